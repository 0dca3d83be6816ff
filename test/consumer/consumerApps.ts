import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import type { PackedPackage } from '../support/packPackages'
import { runCommand, startCommand, type Started } from './runCommand'

const require = createRequire(import.meta.url)

interface Manifest {
  readonly version: string
  readonly bin: Record<string, string>
}

/** The version of an app template the test package pins (create-vite, create-next-app). */
export const versionOf = (name: string): string =>
  (require(`${name}/package.json`) as Manifest).version

/** The bin of an app template the test package pins. */
const binOf = (name: string, bin: string): string =>
  join(
    dirname(require.resolve(`${name}/package.json`)),
    (require(`${name}/package.json`) as Manifest).bin[bin] ?? '',
  )

/** A port nobody listens on now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })

/**
 * Installs as the README says (`pnpm add <its packages>`), with our packages taken from their
 * tarballs instead of the registry and everything else from the registry (pnpm's store makes
 * repeated runs quick). Unpublished, `@react-custom-data/client` is also pinned to its tarball
 * where react-custom-data depends on it, as the registry would serve it.
 */
export const installAsReadme = async (
  appDir: string,
  readmePackages: readonly string[],
  packed: readonly PackedPackage[],
): Promise<void> => {
  const tarballOf = new Map(packed.map((entry) => [entry.name, entry.tarball]))
  const workspaceFile = join(appDir, 'pnpm-workspace.yaml')
  const existing = await readFile(workspaceFile, 'utf8').catch(() => '')
  const overrides = packed.map((entry) => `  '${entry.name}': 'file:${entry.tarball}'`).join('\n')
  await writeFile(workspaceFile, `${existing}\noverrides:\n${overrides}\n`)
  await runCommand('pnpm', ['add', ...readmePackages.map((name) => tarballOf.get(name) ?? name)], {
    cwd: appDir,
  })
}

/** Writes files (by path relative to `dir`), replacing the README's server URL with the real one. */
export const writeAppFiles = async (
  dir: string,
  files: ReadonlyMap<string, string>,
  serverUrl: string,
): Promise<void> => {
  for (const [path, code] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), code.replaceAll('http://localhost:8080', serverUrl))
  }
}

/** `create-vite <name> --template react-ts`: Vite's official React TypeScript template. */
export const createViteApp = async (parent: string, name: string): Promise<string> => {
  await runCommand(
    process.execPath,
    [
      binOf('create-vite', 'create-vite'),
      name,
      '--template',
      'react-ts',
      '--no-interactive',
      '--no-immediate',
    ],
    { cwd: parent },
  )
  return join(parent, name)
}

/**
 * `create-next-app <name>` with the App Router, TypeScript and no extras (no Tailwind, no
 * linter, no src/ folder), installing nothing yet: Next.js's official template, its strict
 * tsconfig and next.config as they come. Its own page and layout are replaced by the README's
 * (the template's layout loads Google fonts, which needs the internet at build time).
 */
export const createNextApp = async (parent: string, name: string): Promise<string> => {
  await runCommand(
    process.execPath,
    [
      binOf('create-next-app', 'create-next-app'),
      name,
      '--ts',
      '--app',
      '--no-tailwind',
      '--no-eslint',
      '--no-src-dir',
      '--no-react-compiler',
      '--no-agents-md',
      '--no-agent-feedback',
      '--import-alias',
      '@/*',
      '--use-pnpm',
      '--skip-install',
      '--disable-git',
      '--yes',
    ],
    { cwd: parent },
  )
  const dir = join(parent, name)
  for (const file of ['app/page.tsx', 'app/layout.tsx', 'app/page.module.css']) {
    await rm(join(dir, file), { force: true })
  }
  return dir
}

/** Serves a built app on a free port; resolves once it answers. */
export const serveApp = async (
  dir: string,
  kind: 'vite' | 'next',
): Promise<{ url: string; server: Started }> => {
  const port = await freePort()
  const args =
    kind === 'vite'
      ? ['exec', 'vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort']
      : ['exec', 'next', 'start', '--hostname', '127.0.0.1', '--port', String(port)]
  const server = startCommand('pnpm', args, { cwd: dir })
  const url = `http://127.0.0.1:${port}/`
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(url)).ok) return { url, server }
    } catch {
      // not listening yet
    }
    if (tries > 600 || server.child.exitCode !== null) {
      await server.stop()
      throw new Error(`${kind} did not serve ${url}:\n${server.output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
