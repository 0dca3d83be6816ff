import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/launchChromium'
import { packPackages, type PackedPackage } from '../support/packPackages'
import {
  createNextApp,
  createViteApp,
  installAsReadme,
  serveApp,
  versionOf,
  writeAppFiles,
} from './consumerApps'
import { codeFiles, readDoc, shellCommand } from './readmeCode'
import { runCommand, type Started } from './runCommand'
import { startPackedServer, type PackedServer } from './startPackedServer'

const workspace = fileURLToPath(new URL('../../', import.meta.url))
const PASSWORD = 'correct horse battery'

/** Where the time goes, printed at the end. */
const timings: [string, number][] = []
const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const start = performance.now()
  try {
    return await work()
  } finally {
    timings.push([label, performance.now() - start])
  }
}

/** The `user_data` of an access token. */
const userDataOf = (token: string): Record<string, unknown> =>
  (
    JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      user_data?: Record<string, unknown>
    }
  ).user_data ?? {}

/**
 * What a React developer gets from the registry, tried outside this repository: every package
 * built and packed as `pnpm publish` would pack it, the server run with npx from its tarball, and
 * two apps made from the official templates (Vite's React TypeScript one and Next.js's App
 * Router one), installed with the README's install line and holding the READMEs' own code. Both
 * build with their template's strict settings (`tsc -b`, `next build`) and run in Chromium: a new
 * user signs up, writes custom data and sees it; the server has it.
 */
describe('the packed packages in apps of their own', () => {
  let dir: string
  let packed: PackedPackage[]
  let server: PackedServer
  let browser: Browser
  let rootReadme: string
  let reactReadme: string
  let installLine: string[]
  const running: Started[] = []
  const started = performance.now()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rcd-consumer-'))
    ;[rootReadme, reactReadme] = await Promise.all([
      readDoc('README.md'),
      readDoc('packages/react-custom-data/README.md'),
    ])
    installLine = shellCommand(rootReadme, 'pnpm add ')
    await timed('build and pack the packages', async () => {
      await runCommand('pnpm', ['build:packages'], { cwd: workspace, env: process.env })
      packed = await packPackages(join(dir, 'tarballs'))
    })
    const serverTarball = packed.find((entry) => entry.name === '@react-custom-data/server')
    server = await timed('npx init + start the packed server', () =>
      startPackedServer(join(dir, 'server'), serverTarball?.tarball ?? '', {
        init: ['init', ...shellCommand(rootReadme, 'npx @react-custom-data/server init')],
        start: ['start', ...shellCommand(rootReadme, 'npx @react-custom-data/server start')],
      }),
    )
    running.push(server.process)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all(running.map((process) => process.stop()))
    if (dir) await rm(dir, { recursive: true, force: true })
    timings.push(['total', performance.now() - started])
    console.log(
      `consumer test times:\n${timings.map(([label, ms]) => `  ${label}: ${(ms / 1000).toFixed(1)} s`).join('\n')}`,
    )
  })

  /** A page that records what the console and uncaught errors say. */
  const openPage = async (context: BrowserContext, url: string) => {
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (message) => {
      // A refused request (the 409 of a second sign-up) is logged by Chromium itself.
      if (message.text().startsWith('Failed to load resource')) return
      if (['error', 'warning'].includes(message.type())) {
        problems.push(`${message.type()}: ${message.text()}`)
      }
    })
    // A hydration mismatch in a production build is React's minified error #418 or #423.
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
    await page.goto(url)
    return { page, problems }
  }

  const signUp = async (page: Page, email: string) => {
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign up' }).click()
    await page.getByText('Favorite food: not chosen yet').waitFor()
  }

  /** Clicks Pizza and waits for the server to have answered the write. */
  const choosePizza = async (page: Page) => {
    const written = page.waitForResponse((response) => response.url().endsWith('/functions/call'))
    await page.getByRole('button', { name: 'Pizza' }).click()
    await page.getByText('Favorite food: pizza').waitFor()
    expect((await written).status()).toBe(200)
  }

  /** What the server holds for the user: a fresh login's token, outside any browser. */
  const customDataOnServer = async (email: string) => {
    const login = await fetch(
      `${server.url}/api/client/v2.0/app/my-app/auth/providers/local-userpass/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: email, password: PASSWORD }),
      },
    )
    expect(login.status).toBe(200)
    return userDataOf(((await login.json()) as { access_token: string }).access_token)
  }

  it('works from a folder outside the workspace, with the README commands', () => {
    expect(relative(workspace, dir).startsWith('..')).toBe(true)
    expect(server.initOutput).toContain('app id "my-app"')
    expect(installLine).toEqual([
      'react-custom-data',
      '@react-custom-data/client',
      '@tanstack/react-query',
      'zustand',
    ])
    // The React package's README says the same as the root one.
    expect(shellCommand(reactReadme, 'pnpm add ')).toEqual(installLine)
    expect(codeFiles(reactReadme).get('src/main.tsx')).toBe(
      codeFiles(rootReadme).get('src/main.tsx'),
    )
  })

  it(`Vite (create-vite ${versionOf('create-vite')}, react-ts): the README quick start builds with tsc -b; a new user signs up, writes custom data and sees it`, async () => {
    const app = await timed('Vite: template + install', async () => {
      const appDir = await createViteApp(dir, 'vite-app')
      await installAsReadme(appDir, installLine, packed)
      return appDir
    })
    const files = codeFiles(rootReadme)
    expect([...files.keys()]).toEqual(['src/main.tsx'])
    await writeAppFiles(app, files, server.url)
    // The template's own build script: `tsc -b && vite build`, its strict settings unchanged.
    await timed('Vite: tsc -b && vite build', () =>
      runCommand('pnpm', ['run', 'build'], { cwd: app }),
    )
    const { url, server: preview } = await serveApp(app, 'vite')
    running.push(preview)

    const context = await browser.newContext()
    try {
      const { page, problems } = await openPage(context, url)
      const email = `vite-${Date.now()}@example.com`
      await signUp(page, email)
      await choosePizza(page)
      await page.reload()
      await page.getByText('Favorite food: pizza').waitFor()
      expect(problems).toEqual([])
      expect(await customDataOnServer(email)).toMatchObject({ favoriteFood: 'pizza' })
    } finally {
      await context.close()
    }

    // The server as a dependency of the project: pnpm adds it with no build scripts to approve,
    // and its bin answers by the name the README gives.
    await timed('Vite: pnpm add -D the packed server', () =>
      runCommand(
        'pnpm',
        ['add', '-D', packed.find((p) => p.name === '@react-custom-data/server')?.tarball ?? ''],
        {
          cwd: app,
        },
      ),
    )
    expect(await runCommand('npx', ['custom-data-server', '--help'], { cwd: app })).toContain(
      'custom-data-server init <folder>',
    )
    // Its library entry imports in Node with its runtime dependencies alone.
    const library = await runCommand(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const server = await import('@react-custom-data/server'); console.log(Object.keys(server).sort().join(' '))",
      ],
      { cwd: app },
    )
    expect(library).toContain('createServer')
    expect(library).toContain('loadAppFolder')
  })

  it(`Next.js App Router (create-next-app ${versionOf('create-next-app')}): the README files build with next build; signed out on the server, no hydration warning; sign up, write, see, and the errors in words`, async () => {
    const app = await timed('Next.js: template + install', async () => {
      const appDir = await createNextApp(dir, 'next-app')
      await installAsReadme(appDir, installLine, packed)
      return appDir
    })
    const files = codeFiles(reactReadme)
    files.delete('src/main.tsx')
    expect([...files.keys()].sort()).toEqual([
      'app/Preferences.tsx',
      'app/errorMessage.ts',
      'app/layout.tsx',
      'app/page.tsx',
    ])
    await writeAppFiles(app, files, server.url)
    await timed('Next.js: next build', () => runCommand('pnpm', ['run', 'build'], { cwd: app }))
    const { url, server: next } = await serveApp(app, 'next')
    running.push(next)

    // Rendered on the server, signed out: the sign-up form, no custom data.
    const html = await (await fetch(url)).text()
    expect(html).toContain('aria-label="Email"')
    expect(html).not.toContain('Favorite food')

    const email = `next-${Date.now()}@example.com`
    const first = await browser.newContext()
    try {
      const { page, problems } = await openPage(first, url)
      await signUp(page, email)
      await page.getByText(`Signed in as ${email}`).waitFor()
      await choosePizza(page)
      // A reload hydrates signed out, as the server rendered, then shows the stored session.
      await page.reload()
      await page.getByText('Favorite food: pizza').waitFor()
      expect(problems).toEqual([])
    } finally {
      await first.close()
    }

    // Another browser: the same email again is told so in words, then logs in to the data.
    const second = await browser.newContext()
    try {
      const { page, problems } = await openPage(second, url)
      await page.getByLabel('Email').fill(email)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign up' }).click()
      await expect
        // Next.js adds a route announcer of its own with the same role.
        .poll(() => page.locator('form [role="alert"]').textContent())
        .toBe('An account with this email already exists. Log in instead.')
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.getByText('Favorite food: pizza').waitFor()
      expect(problems).toEqual([])
    } finally {
      await second.close()
    }
  })
})
