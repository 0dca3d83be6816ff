import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const demoDir: string = fileURLToPath(new URL('../../apps/demo', import.meta.url))

/** The demo's own Vite CLI, resolved from the demo as `pnpm --filter @react-custom-data/demo build` does. */
const viteBin = async (): Promise<string> => {
  const manifest = createRequire(join(demoDir, 'package.json')).resolve('vite/package.json')
  const { bin } = JSON.parse(await readFile(manifest, 'utf8')) as { bin: { vite: string } }
  return join(dirname(manifest), bin.vite)
}

/**
 * Builds the demo for production (`vite build`) into a fresh temporary folder and returns it, so
 * the suite serves exactly what a deployment would, and never touches `apps/demo/dist`.
 */
export const buildDemo = async (): Promise<string> => {
  const outDir = await mkdtemp(join(tmpdir(), 'demo-dist-'))
  const child = spawn(
    process.execPath,
    [await viteBin(), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: demoDir, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`vite build failed (exit ${code}):\n${output}`)
  return outDir
}
