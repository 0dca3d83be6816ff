import type * as Client from '@react-custom-data/client'
import { spawnCli, startTestServer, type TestServer } from '@react-custom-data/server/testing'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientAppDir } from '../../packages/client/src/testUtils'
import { launchChromium } from '../support/launchChromium'
import { serveClientPage, type ClientPageServer } from './serveClientPage'

declare global {
  interface Window {
    app: Client.App
    client: typeof Client
    ready?: boolean
    /** When (Date.now(), after the next frame) each plan value was first on screen. */
    shown?: Record<string, number>
  }
}

const APP_ID = 'client-app'

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * Two devices (two Chromium contexts: no shared storage, channel or locks) signed in as one
 * user, and changes made by a third path: the command line, the admin API, a function call of
 * another client. docs/protocol.md §17.7.
 */
describe('live custom data in Chromium, two devices of one user', () => {
  let browser: Browser
  let pages: ClientPageServer
  let server: TestServer
  let key: string
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ;[browser, pages, server] = await Promise.all([
      launchChromium(),
      serveClientPage(),
      startTestServer({ appDir: clientAppDir }),
    ])
    const { createServerApiKey } = await import('../../packages/server/src/auth/apiKeys')
    key = (
      await createServerApiKey(
        server.store,
        { now: () => Date.now() },
        {
          name: 'browser-test',
          providerName: 'api-key',
        },
      )
    ).key!
  })
  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()))
    await Promise.all([browser?.close(), pages?.close(), server?.close()])
  })

  /** A device: its own context and tab, live custom data on (as in any browser app). */
  const openDevice = async (): Promise<{ page: Page; requests: string[] }> => {
    const context = await browser.newContext()
    contexts.push(context)
    const page = await context.newPage()
    const requests: string[] = []
    page.on('request', (request) => {
      if (request.method() !== 'OPTIONS' && request.url().startsWith(server.url))
        requests.push(`${request.method()} ${new URL(request.url()).pathname}`)
    })
    await page.goto(pages.pageUrl({ appId: APP_ID, api: server.url, autoRefresh: true }))
    await page.waitForFunction(() => window.ready === true)
    return { page, requests }
  }

  const logIn = (page: Page, username: string) =>
    page.evaluate(async (name) => {
      const user = await window.app.logIn(
        window.client.Credentials.function({ username: name, pin: 1234 }),
      )
      // "The screen": an element showing the plan, and when each value was first painted.
      const shown: Record<string, number> = (window.shown = {})
      const element = document.body.appendChild(document.createElement('output'))
      const show = () => {
        const plan = String((window.app.currentUser?.customData as { plan?: unknown }).plan)
        if (element.textContent === plan) return
        element.textContent = plan
        requestAnimationFrame(() => (shown[plan] ??= Date.now()))
      }
      show()
      window.app.store.subscribe(show)
      return user.id
    }, username)

  const shownAt = (page: Page, plan: string) =>
    page
      .waitForFunction((wanted) => window.shown?.[wanted], plan, { timeout: 15_000 })
      .then((handle) => handle.jsonValue() as Promise<number>)

  it('both show a change made by the CLI, by the admin API and by another client, at no request cost; latency printed', async () => {
    const username = `live-${Math.random().toString(36).slice(2)}`
    const devices = [await openDevice(), await openDevice()]
    const streams = server.server.context.live.size
    const [userId] = await Promise.all(devices.map(({ page }) => logIn(page, username)))
    await expect.poll(() => server.server.context.live.size, { timeout: 15_000 }).toBe(streams + 2)
    for (const device of devices) device.requests.length = 0

    // The command line, through the running server's admin API (the server holds the PGlite
    // folder): the README's one command.
    const cli = spawnCli(['users', 'set-data', userId!, '{"plan":"cli"}', '--url', server.url], {
      SERVER_API_KEY: key,
    })
    expect(await cli.exited).toBe(0)
    for (const { page } of devices) await shownAt(page, 'cli')

    // Another client: a function call of the same user on a third device.
    const writer = await openDevice()
    await writer.page.evaluate(async (name) => {
      const user = await window.app.logIn(
        window.client.Credentials.function({ username: name, pin: 1234 }),
      )
      await user.functions.writeCustomUserData!({ plan: 'other-client' })
    }, username)
    for (const { page } of devices) await shownAt(page, 'other-client')

    // Latency, from the moment the write is sent (its commit comes a little later) to the frame
    // that shows it, over 40 changes by the admin API.
    const latencies: number[] = []
    for (let i = 0; i < 40; i++) {
      const plan = `p${i}`
      const sent = Date.now()
      const response = await fetch(`${server.url}/api/admin/v1/users/${userId}/custom-data`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ plan }),
      })
      expect(response.status).toBe(200)
      for (const { page } of devices) latencies.push((await shownAt(page, plan)) - sent)
    }
    console.log(
      `live custom data, write → on screen in 2 Chromium devices (${latencies.length} samples): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
    )
    // 42 changes, and the devices sent no request at all: the streams carried everything.
    expect(devices.flatMap(({ requests }) => requests)).toEqual([])
  })
})
