import type * as Client from '@react-custom-data/client'
import { startTestServer, type TestServer } from '@react-custom-data/server/testing'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clientAppDir, sleep } from '../../packages/client/src/testUtils'
import { launchChromium } from '../support/launchChromium'
import { serveClientPage, type ClientPageServer } from './serveClientPage'

declare global {
  interface Window {
    app: Client.App
    client: typeof Client
    ready?: boolean
    /** When (Date.now()) what the test waits for happened in this tab. */
    seen?: Promise<number>
  }
}

const APP_ID = 'client-app'
const appDir = clientAppDir
const REFRESH = 'POST /api/client/v2.0/auth/session'

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
  // Starts watching, in the page, for its current user to become `id` (any user for
  // 'someone'); `seenAt` then answers when that happened, by the page's clock.
  const whenCurrentUserIs = (page: Page, id: string | null) =>
    page.evaluate((wanted) => {
      window.seen = new Promise((resolve) => {
        const stop = window.app.store.subscribe(({ currentUserId }) => {
          if (wanted === 'someone' ? currentUserId === null : currentUserId !== wanted) return
          stop()
          resolve(Date.now())
        })
      })
    }, id)
  const seenAt = (page: Page) => page.evaluate(() => window.seen!)
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

  it('H1: two tabs refreshing one token at once send one refresh, round after round', async () => {
    // Chromium hands a localStorage write to the other tabs asynchronously: the tab that gets the
    // lock second must still find the first one's token. Twenty rounds catch a race that one
    // round in ten would lose.
    context = await browser.newContext()
    const tabA = await openTab()
    await logIn(tabA)
    const tabB = await openTab()
    // A slow network: the second tab is surely waiting for the lock when the first lets it go.
    await context.route('**/auth/session', async (route) => {
      const response = await route.fetch()
      await sleep(100)
      await route.fulfill({ response })
    })
    const refreshBoth = () =>
      Promise.all(
        [tabA, tabB].map((tab) =>
          tab.evaluate(async () => {
            await window.app.currentUser!.refreshAccessToken()
            return window.app.currentUser!.refreshToken
          }),
        ),
      )
    for (let round = 1; round <= 30; round++) {
      server.requests.length = 0
      const [a, b] = await refreshBoth()
      expect({ round, refreshes: refreshes() }).toEqual({ round, refreshes: 1 })
      expect(b).toBe(a)
    }
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
    // Far below the 5-second takeover: the lock went with the tab. (A refresh on a busy machine
    // can take a second by itself.)
    expect(waited).toBeLessThan(3000)
    expect((await sessionOf(tabB)).state).toBe('active')
  })

  it('H7: a logout in one tab reaches the other within a second, which drops its tokens', async () => {
    context = await browser.newContext()
    const tabA = await openTab()
    const tabB = await openTab()
    // A login travels the same way. Times are taken in the pages (one machine, one clock), so a
    // busy test process polling late cannot make the tabs look slow.
    await whenCurrentUserIs(tabB, 'someone')
    const [userId, loggedInAt] = await tabA.evaluate(async () => {
      const user = await window.app.logIn(window.client.Credentials.anonymous())
      return [user.id, Date.now()] as const
    })
    const loginSeenAt = await seenAt(tabB)
    expect(loginSeenAt - loggedInAt).toBeLessThan(1000)
    expect(await tabB.evaluate(() => window.app.currentUser?.id)).toBe(userId)

    await whenCurrentUserIs(tabB, null)
    const loggedOutAt = await tabA.evaluate(async () => {
      await window.app.currentUser!.logOut()
      return Date.now()
    })
    expect((await seenAt(tabB)) - loggedOutAt).toBeLessThan(1000)
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
    await tabB.evaluate(() => {
      window.seen = new Promise((resolve) => {
        const stop = window.app.store.subscribe(() => {
          if (window.app.currentUser?.customData.theme !== 'dark') return
          stop()
          resolve(Date.now())
        })
      })
    })
    const writtenAt = await tabA.evaluate(async () => {
      await window.app.currentUser!.callFunction('writeCustomUserData', { theme: 'dark' })
      return Date.now()
    })
    expect((await seenAt(tabB)) - writtenAt).toBeLessThan(1000)
  })
})
