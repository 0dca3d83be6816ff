import type * as Client from '@react-custom-data/client'
import { startTestServer, type TestServer } from '@react-custom-data/server/testing'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type * as RealmWeb from 'realm-web'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/launchChromium'
import { APPLE_CLIENT, GOOGLE_CLIENT, OAUTH_SECRETS, oauthAppFolder } from './oauthAppFolder'
import { servePages, type Pages } from './servePages'
import { startOidcProvider, type OidcProvider } from './startOidcProvider'

declare global {
  interface Window {
    realmApp: RealmWeb.App
    ourApp: Client.App
    client: typeof Client
    Realm: typeof RealmWeb
    ready?: boolean
    action?: () => Promise<unknown>
    started?: Promise<unknown>
  }
}

const APP_ID = 'oauth-test'
const ACCOUNTS = Object.fromEntries(
  ['ada', 'grace', 'alan', 'edsger', 'barbara', 'ken', 'dennis', 'margaret'].map((name) => [
    `${name}@gmail.test`,
    {
      email: `${name}@gmail.test`,
      email_verified: true,
      name: name[0]!.toUpperCase() + name.slice(1),
    },
  ]),
)

/** What a page's action resolved with: the user, or the error's message. */
type Outcome = { id: string; email?: unknown; identities: string[] } | { error: string }

/**
 * The OAuth redirect flow in Chromium, end to end: the app's page (realm-web 2.0.1, our client, or
 * the React hooks with the demo's buttons) opens a popup at our server, which sends it to "Google"
 * (oidc-provider, a certified OpenID provider, on 127.0.0.1), where the user types an email; the
 * provider sends it back to our server's callback, and the server to the app's redirect page,
 * whose handleAuthRedirect() hands the result to the opener. Three origins, as in production.
 */
describe('the OAuth redirect flow in Chromium (docs/protocol.md §3.6)', () => {
  let browser: Browser
  let provider: OidcProvider
  let pages: Pages
  let server: TestServer
  let context: BrowserContext

  beforeAll(async () => {
    ;[browser, provider, pages] = await Promise.all([
      launchChromium(),
      startOidcProvider(ACCOUNTS),
      servePages(),
    ])
    server = await startTestServer({
      appDir: await oauthAppFolder({
        issuer: provider.issuer,
        redirectUris: ['realm-web-callback', 'callback', 'auth-callback'].map(
          (page) => `${pages.origin}/${page}.html`,
        ),
      }),
      secrets: OAUTH_SECRETS,
    })
    const callback = `${server.url}/api/client/v2.0/auth/callback`
    await provider.start([
      { ...GOOGLE_CLIENT, redirectUris: [callback] },
      { ...APPLE_CLIENT, redirectUris: [callback] },
    ])
  })
  afterAll(async () => {
    await Promise.all([browser?.close(), pages?.close()])
    await server?.close()
    await provider?.close()
  })
  // A new browser profile per test: no provider session carries over.
  beforeEach(async () => {
    context = await browser.newContext()
  })
  afterEach(() => context?.close())

  const open = async (page: 'realm-web' | 'client' | 'hooks'): Promise<Page> => {
    const tab = await context.newPage()
    await tab.goto(pages.url(page, { app: APP_ID, api: server.url }))
    if (page !== 'hooks') await tab.waitForFunction(() => window.ready === true)
    return tab
  }
  // Clicks the page's button and returns the popup it opened.
  const clickForPopup = async (tab: Page, selector = '#go'): Promise<Page> => {
    const [popup] = await Promise.all([tab.waitForEvent('popup'), tab.click(selector)])
    return popup
  }
  // Signs in at "Google" in the popup, as a user would.
  const signInAtGoogle = async (popup: Page, email: string) => {
    await popup.waitForSelector('input[name=login]')
    await popup.fill('input[name=login]', email)
    await popup.click('#sign-in')
  }
  const outcome = (tab: Page): Promise<Outcome> =>
    tab.evaluate(() => window.started as Promise<Outcome>)
  const profileOf = async (userId: string) => {
    const rows = await server.store.query<{ provider_type: string }>(
      'SELECT provider_type FROM identities WHERE user_id = $1 ORDER BY created_at',
      [userId],
    )
    return rows.map((row) => row.provider_type)
  }

  it('realm-web 2.0.1 logs in with Credentials.google({ redirectUrl }) and handleAuthRedirect, unchanged', async () => {
    const tab = await open('realm-web')
    await tab.evaluate((redirectUrl) => {
      window.action = () =>
        window.realmApp.logIn(window.Realm.Credentials.google({ redirectUrl })).then(
          (user) => ({
            id: user.id,
            email: user.profile.email,
            identities: user.identities.map((identity) => identity.providerType),
          }),
          (error: Error) => ({ error: error.message }),
        )
    }, `${pages.origin}/realm-web-callback.html`)
    const popup = await clickForPopup(tab)
    await signInAtGoogle(popup, 'ada@gmail.test')
    const user = await outcome(tab)
    expect(user).toEqual({
      id: expect.any(String),
      email: 'ada@gmail.test',
      identities: ['oauth2-google'],
    })
    // realm-web closed the popup once its redirect page had handed over the result.
    await expect.poll(() => popup.isClosed()).toBe(true)
    expect(await profileOf('id' in user ? user.id : '')).toEqual(['oauth2-google'])
  })

  it('our client logs in through popupRedirect; realm-web and our redirect pages are interchangeable', async () => {
    const tab = await open('client')
    await tab.evaluate((redirectUrl) => {
      window.action = () =>
        window.ourApp.logIn(window.client.Credentials.google({ redirectUrl })).then(
          (user) => ({
            id: user.id,
            email: user.profile.email,
            identities: user.identities.map((identity) => identity.providerType),
          }),
          (error: Error) => ({ error: error.message }),
        )
      // realm-web's redirect page completes our popup: both use realm-web's storage key.
    }, `${pages.origin}/realm-web-callback.html`)
    const popup = await clickForPopup(tab)
    await signInAtGoogle(popup, 'grace@gmail.test')
    expect(await outcome(tab)).toEqual({
      id: expect.any(String),
      email: 'grace@gmail.test',
      identities: ['oauth2-google'],
    })
    // The session is stored and usable: a function call with it works.
    expect(
      await tab.evaluate(() =>
        window.ourApp.currentUser?.callFunction('writeCustomUserData', { theme: 'dark' }),
      ),
    ).toMatchObject({ upsertedId: expect.anything() })
  })

  it('the hooks: the demo shows "Sign in with Google" for the enabled provider, and useAuth signs in', async () => {
    const tab = await open('hooks')
    await tab.waitForSelector('text=Sign in with Google')
    const popup = await clickForPopup(tab, 'text=Sign in with Google')
    // The button's useAuth() is pending (logInWithGoogle) while the popup is open.
    expect(await tab.isDisabled('text=Sign in with Google')).toBe(true)
    await signInAtGoogle(popup, 'alan@gmail.test')
    await expect.poll(() => tab.textContent('#user')).toMatch(/^[\da-f]{24} oauth2-google$/)
    expect(await tab.textContent('#email')).toBe('alan@gmail.test')
  })

  it('realm-web 2.0.1 logs in with Credentials.apple(redirectUrl): the provider posts the result back', async () => {
    const tab = await open('realm-web')
    await tab.evaluate((redirectUrl) => {
      window.action = () =>
        window.realmApp.logIn(window.Realm.Credentials.apple(redirectUrl)).then(
          (user) => ({
            id: user.id,
            email: user.profile.email,
            identities: user.identities.map((identity) => identity.providerType),
          }),
          (error: Error) => ({ error: error.message }),
        )
    }, `${pages.origin}/realm-web-callback.html`)
    const popup = await clickForPopup(tab)
    const callback = popup.waitForRequest((request) => request.url().endsWith('/auth/callback'))
    await signInAtGoogle(popup, 'margaret@gmail.test')
    expect((await callback).method()).toBe('POST')
    expect(await outcome(tab)).toEqual({
      id: expect.any(String),
      email: 'margaret@gmail.test',
      identities: ['oauth2-apple'],
    })
  })

  it('realm-web 2.0.1 links Google to an anonymous user (x-baas-location, the link cookie)', async () => {
    const tab = await open('realm-web')
    const anonymousId = await tab.evaluate(
      async () => (await window.realmApp.logIn(window.Realm.Credentials.anonymous())).id,
    )
    await tab.evaluate((redirectUrl) => {
      window.action = () => {
        const user = window.realmApp.currentUser!
        return user.linkCredentials(window.Realm.Credentials.google({ redirectUrl })).then(
          () => ({
            id: user.id,
            identities: user.identities.map((identity) => identity.providerType),
          }),
          (error: Error) => ({ error: error.message }),
        )
      }
    }, `${pages.origin}/realm-web-callback.html`)
    const popup = await clickForPopup(tab)
    await signInAtGoogle(popup, 'edsger@gmail.test')
    expect(await outcome(tab)).toEqual({
      id: anonymousId,
      identities: ['anon-user', 'oauth2-google'],
    })
    expect(await profileOf(anonymousId)).toEqual(['anon-user', 'oauth2-google'])
  })

  it('the hooks link Google to an anonymous user with useAuth().linkCredentials, which keeps its id', async () => {
    const tab = await open('hooks')
    await tab.click('#anonymous')
    await expect.poll(() => tab.textContent('#user')).toMatch(/^[\da-f]{24} anon-user$/)
    const anonymousId = ((await tab.textContent('#user')) ?? '').split(' ')[0]
    const popup = await clickForPopup(tab, '#link-google')
    await expect.poll(() => tab.textContent('#auth')).toBe('linkCredentials pending')
    await signInAtGoogle(popup, 'barbara@gmail.test')
    await expect.poll(() => tab.textContent('#user')).toBe(`${anonymousId} anon-user,oauth2-google`)
    expect(await tab.textContent('#auth')).toBe('linkCredentials success')
  })

  it('linking a Google account another user has is refused: our client says why; nothing changes', async () => {
    // ken signs in with Google first: his Google identity is his user's.
    const first = await open('client')
    await first.evaluate((redirectUrl) => {
      window.action = () =>
        window.ourApp
          .logIn(window.client.Credentials.google({ redirectUrl }))
          .then((user) => ({ id: user.id, identities: [] }))
    }, `${pages.origin}/callback.html`)
    await signInAtGoogle(await clickForPopup(first), 'ken@gmail.test')
    await outcome(first)
    const tab = await open('client')
    const anonymousId = await tab.evaluate(
      async () => (await window.ourApp.logIn(window.client.Credentials.anonymous(false))).id,
    )
    await tab.evaluate((redirectUrl) => {
      window.action = () =>
        window.ourApp
          .currentUser!.linkCredentials(window.client.Credentials.google({ redirectUrl }))
          .then(
            () => ({ id: 'linked', identities: [] }),
            (error: Error) => ({ error: error.message }),
          )
    }, `${pages.origin}/callback.html`)
    const popup = await clickForPopup(tab)
    // The provider remembers ken in this browser profile: no sign-in form this time.
    await popup.waitForEvent('close')
    expect(await outcome(tab)).toEqual({
      error: 'a user already exists with the specified provider',
    })
    expect(await profileOf(anonymousId)).toEqual(['anon-user'])
  })

  it('an unlisted redirect URI is refused: the popup says why, and the login fails when it is closed', async () => {
    const tab = await open('realm-web')
    await tab.evaluate((redirectUrl) => {
      window.action = () =>
        window.realmApp.logIn(window.Realm.Credentials.google({ redirectUrl })).then(
          (user) => ({ id: user.id, identities: [] }),
          (error: Error) => ({ error: error.message }),
        )
    }, `${pages.origin}/not-listed.html`)
    const popup = await clickForPopup(tab)
    await popup.waitForLoadState()
    expect(JSON.parse((await popup.textContent('body')) ?? '{}')).toEqual({
      error_code: 'InvalidParameter',
      error: `redirect URI "${pages.origin}/not-listed.html" is not allowed: add it to "redirect_uris" of oauth2-google in auth/providers.json (compared exactly)`,
    })
    await popup.close()
    expect(await outcome(tab)).toEqual({ error: 'Window closed' })
  })
})
