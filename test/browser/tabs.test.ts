import type * as Client from '@react-custom-data/client'
import { startTestServer, type TestServer } from '@react-custom-data/server/testing'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/launchChromium'
import { serveClientPage, type ClientPageServer } from './serveClientPage'

declare global {
  interface Window {
    app: Client.App
    client: typeof Client
    ready?: boolean
  }
}

const APP_ID = 'client-app'
const appDir = fileURLToPath(new URL('../../packages/client/fixtures/client-app', import.meta.url))
const REFRESH = 'POST /api/client/v2.0/auth/session'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Two (or three) real tabs: pages of one Chromium context share localStorage, BroadcastChannel
 * and Web Locks, as the tabs of one browser profile do. The API is the real server on its own
 * origin (CORS), so preflight requests are left out of the counts.
 */
describe('tabs of one app in Chromium', () => {
  let browser: Browser
  let pages: ClientPageServer
  let server: TestServer
  let context: BrowserContext
  const refreshes = () => server.requests.filter((request) => request === REFRESH).length

  beforeAll(async () => {
    ;[browser, pages, server] = await Promise.all([
      launchChromium(),
      serveClientPage(),
      // Two-second access tokens: a test waits for expiry instead of faking it.
      startTestServer({ appDir, accessTokenLifetime: 2 }),
    ])
  })
  afterAll(async () => {
    await Promise.all([browser?.close(), pages?.close(), server?.close()])
  })
  afterEach(() => context?.close())

  const openTab = async (autoRefresh = false): Promise<Page> => {
    const page = await context.newPage()
    await page.goto(pages.pageUrl({ appId: APP_ID, api: server.url, autoRefresh }))
    await page.waitForFunction(() => window.ready === true)
    return page
  }
  const logIn = (page: Page) =>
    page.evaluate(async () => (await window.app.logIn(window.client.Credentials.anonymous())).id)
  const sessionOf = (page: Page) =>
    page.evaluate(() => {
      const user = window.app.currentUser
      return { id: user?.id, state: user?.state, refreshToken: user?.refreshToken }
    })

  // Takes a user's refresh lock in a tab (resolving once granted) and never lets it go.
  const holdRefreshLock = (page: Page, userId: string) =>
    page.evaluate(
      (name) =>
        new Promise<void>((granted) => {
          void navigator.locks.request(name, () => {
            granted()
            return new Promise(() => undefined)
          })
        }),
      `react-custom-data:app(${APP_ID}):refresh(${userId})`,
    )
  const timeRefresh = (page: Page) =>
    page.evaluate(async () => {
      const started = performance.now()
      await window.app.currentUser!.refreshAccessToken()
      return performance.now() - started
    })

  it('H1: two tabs hit expiry at once: exactly one refresh, one session, no logout', async () => {
    context = await browser.newContext()
    const tabA = await openTab()
    const userId = await logIn(tabA)
    const tabB = await openTab()
    expect((await sessionOf(tabB)).id).toBe(userId)
    await sleep(2000)
    server.requests.length = 0
    const call = (page: Page, text: string) =>
      page.evaluate((value) => window.app.currentUser!.callFunction('echo', value), text)
    expect(await Promise.all([call(tabA, 'a'), call(tabB, 'b')])).toEqual([['a'], ['b']])
    expect(refreshes()).toBe(1)
    const [a, b] = await Promise.all([sessionOf(tabA), sessionOf(tabB)])
    expect(a).toEqual({ id: userId, state: 'active', refreshToken: expect.any(String) })
    expect(b).toEqual(a)
  })

  it('H2: three tabs wake from sleep with their timers due: at most one refresh, all adopt it', async () => {
    context = await browser.newContext()
    await context.clock.install()
    const tabs = [await openTab(true)]
    const userId = await logIn(tabs[0]!)
    tabs.push(await openTab(true), await openTab(true))
    const before = await sessionOf(tabs[0]!)
    server.requests.length = 0
    // The lid closes for a minute: the two-second tokens' refresh timers are all due at wake.
    await context.clock.fastForward('01:00')
    await expect
      .poll(async () => (await Promise.all(tabs.map(sessionOf))).map((s) => s.refreshToken), {
        timeout: 5000,
      })
      .toEqual(Array(3).fill(expect.not.stringMatching(before.refreshToken!)))
    await sleep(300)
    expect(refreshes()).toBe(1)
    const sessions = await Promise.all(tabs.map(sessionOf))
    expect(new Set(sessions.map((session) => session.refreshToken)).size).toBe(1)
    for (const session of sessions) expect(session).toMatchObject({ id: userId, state: 'active' })
  })

  it('H4: a tab that hangs holding the refresh lock blocks the others at most 5 s', async () => {
    context = await browser.newContext()
    const tabA = await openTab()
    const userId = await logIn(tabA)
    const tabB = await openTab()
    // Tab A takes the lock and never lets go, as a tab frozen mid-refresh would.
    await holdRefreshLock(tabA, userId)
    server.requests.length = 0
    const waited = await timeRefresh(tabB)
    expect(waited).toBeGreaterThanOrEqual(4900)
    expect(waited).toBeLessThan(8000)
    expect(refreshes()).toBe(1)
    expect((await sessionOf(tabB)).state).toBe('active')
  })

  it('H4: a tab that crashes holding the refresh lock blocks no one', async () => {
    context = await browser.newContext()
    const tabA = await openTab()
    const userId = await logIn(tabA)
    const tabB = await openTab()
    await holdRefreshLock(tabA, userId)
    await tabA.close()
    const waited = await timeRefresh(tabB)
    expect(waited).toBeLessThan(1000)
    expect((await sessionOf(tabB)).state).toBe('active')
  })

  it('H7: a logout in one tab reaches the other within a second, which drops its tokens', async () => {
    context = await browser.newContext()
    const tabA = await openTab()
    const tabB = await openTab()
    // A login travels the same way.
    const loginAt = Date.now()
    const userId = await logIn(tabA)
    await tabB.waitForFunction((id) => window.app.currentUser?.id === id, userId)
    expect(Date.now() - loginAt).toBeLessThan(1000)

    const seenInB = tabB.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const stop = window.app.store.subscribe((state) => {
            if (state.currentUserId === null) {
              stop()
              resolve(Date.now())
            }
          })
        }),
    )
    const loggedOutAt = await tabA.evaluate(async () => {
      await window.app.currentUser!.logOut()
      return Date.now()
    })
    expect((await seenInB) - loggedOutAt).toBeLessThan(1000)
    const user = await tabB.evaluate((id) => {
      const record = window.app.allUsers[id]
      return { state: record?.state, accessToken: record?.accessToken }
    }, userId)
    expect(user).toEqual({ state: 'logged-out', accessToken: null })
  })

  it('a write in one tab shows the new custom data in the other within a second', async () => {
    context = await browser.newContext()
    const tabA = await openTab()
    await logIn(tabA)
    const tabB = await openTab()
    const written = Date.now()
    await tabA.evaluate(() =>
      window.app.currentUser!.callFunction('writeCustomUserData', { theme: 'dark' }),
    )
    await tabB.waitForFunction(() => window.app.currentUser?.customData.theme === 'dark')
    expect(Date.now() - written).toBeLessThan(1000)
  })
})
