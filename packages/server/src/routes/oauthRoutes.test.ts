import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestIssuer, type TestIssuer } from '../auth/oauth/testIssuer'
import type { Clock } from '../Clock'
import { testStores } from '../testing/testStores'
import { API, appFolderVariant, createInProcessServer, type InProcessServer } from '../testUtils'

const oauthAppDir = fileURLToPath(new URL('../../fixtures/oauth-app', import.meta.url))
const REDIRECT = 'https://app.example.com/auth/callback.html'
const device = Buffer.from(
  JSON.stringify({ sdkVersion: '2.0.1', platform: 'chrome', deviceId: '65a000000000000000000001' }),
).toString('base64')

/** A clock tests move forward. */
const movableClock = (): Clock & { advance(ms: number): void } => {
  let offset = 0
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) }
}

/** realm-web's `_baas_*` hash parameters of a redirect. */
const hashOf = (location: string | null): Record<string, string> =>
  Object.fromEntries(
    new URLSearchParams(new URL(location ?? '', 'http://x').hash.slice(1)).entries(),
  )

describe.each(testStores())(
  'the OAuth redirect flow (docs/protocol.md §3.6) on $kind',
  (storeKind) => {
    let s: InProcessServer
    let google: TestIssuer
    const clock = movableClock()
    const loginUrl = (query: Record<string, string>) =>
      `/app/${s.appId}/auth/providers/oauth2-google/login?${new URLSearchParams(query).toString()}`
    const start = (query: Record<string, string> = {}) =>
      s.request('GET', loginUrl({ state: 'abcdefghijkl', redirect: REDIRECT, device, ...query }))
    const cookieOf = (answer: { headers: Headers }) =>
      answer.headers.get('set-cookie')?.split(';')[0] ?? ''
    const callback = (query: Record<string, string>, cookie?: string) =>
      s.request('GET', `${API}/auth/callback?${new URLSearchParams(query).toString()}`, {
        headers: cookie ? { cookie } : {},
      })

    beforeAll(async () => {
      google = await startTestIssuer()
      const dir = await appFolderVariant(oauthAppDir, {
        'auth/providers.json': {
          'anon-user': { name: 'anon-user', type: 'anon-user' },
          'oauth2-google': {
            name: 'oauth2-google',
            type: 'oauth2-google',
            config: { clientId: 'web-client', issuer: google.url },
            secret_config: { clientSecret: 'googleSecret' },
            redirect_uris: [REDIRECT],
          },
        },
      })
      s = await createInProcessServer(storeKind, {
        appDir: dir,
        clock,
        secrets: { googleSecret: 's3cret' },
      })
    })
    afterAll(async () => {
      await s?.close()
      await google?.close()
    })

    it('lists the enabled providers, and whether they have a redirect flow (no config)', async () => {
      expect(await s.request('GET', `/app/${s.appId}/auth/providers`)).toMatchObject({
        status: 200,
        body: [
          { name: 'anon-user', type: 'anon-user' },
          { name: 'oauth2-google', type: 'oauth2-google', redirect: true },
        ],
      })
    })

    it("sends the popup to the provider's page: our state, a nonce, PKCE (S256), our callback", async () => {
      const answer = await start()
      expect(answer.status).toBe(302)
      const to = new URL(answer.headers.get('location') ?? '')
      expect(`${to.origin}${to.pathname}`).toBe(`${google.url}/authorize`)
      const query = Object.fromEntries(to.searchParams.entries())
      expect(query).toMatchObject({
        response_type: 'code',
        client_id: 'web-client',
        redirect_uri: 'http://localhost/api/client/v2.0/auth/callback',
        code_challenge_method: 'S256',
        scope: 'openid',
      })
      // The provider sees a state of its own, never the client's guessable one.
      expect(query.state).not.toBe('abcdefghijkl')
      expect(query.state?.length).toBeGreaterThanOrEqual(43)
      expect(query.nonce?.length).toBeGreaterThanOrEqual(43)
      expect(query.code_challenge).toMatch(/^[\w-]{43}$/)
      expect(answer.headers.get('set-cookie')).toMatch(
        /^baas_oauth_\w+=[\w-]+; Max-Age=600; Path=\/api\/client\/v2\.0\/auth\/callback; HttpOnly; SameSite=Lax$/,
      )
    })

    it('refuses a redirect URI that is not in redirect_uris, or a missing one, with a clear error', async () => {
      expect(await start({ redirect: 'https://evil.example/steal' })).toMatchObject({
        status: 400,
        body: {
          error_code: 'InvalidParameter',
          error:
            'redirect URI "https://evil.example/steal" is not allowed: add it to "redirect_uris" of oauth2-google in auth/providers.json (compared exactly)',
        },
      })
      // Compared exactly: a trailing slash is another URI.
      expect((await start({ redirect: `${REDIRECT}/` })).status).toBe(400)
      expect(await s.request('GET', loginUrl({ state: 'abcdefghijkl' }))).toMatchObject({
        status: 400,
        body: { error_code: 'MissingParameter' },
      })
      expect(await start({ state: '<script>' })).toMatchObject({
        status: 400,
        body: { error_code: 'InvalidParameter' },
      })
      expect(
        await s.request(
          'GET',
          `/app/${s.appId}/auth/providers/anon-user/login?state=a&redirect=${REDIRECT}`,
        ),
      ).toMatchObject({
        status: 400,
        body: {
          error: 'anon-user has no redirect flow: log in with POST and the credentials in the body',
        },
      })
    })

    it("sends the provider's refusal to the app's page, and refuses the same callback a second time", async () => {
      const started = await start()
      const state = new URL(started.headers.get('location') ?? '').searchParams.get('state') ?? ''
      const denied = await callback(
        { state, error: 'access_denied', error_description: 'the user said no' },
        cookieOf(started),
      )
      expect(denied.status).toBe(302)
      expect(denied.headers.get('location')?.startsWith(`${REDIRECT}#`)).toBe(true)
      expect(hashOf(denied.headers.get('location'))).toEqual({
        _baas_client_app_id: s.appId,
        _baas_state: 'abcdefghijkl',
        _baas_error: 'oauth2-google refused the sign-in: the user said no',
      })
      // A replayed state finds its flow used.
      expect(await callback({ state, code: 'a-code' }, cookieOf(started))).toMatchObject({
        status: 400,
        body: {
          error: 'this sign-in is already complete (its state was used): start again from the app',
        },
      })
    })

    it('refuses a callback from another browser (no cookie) or with a state it never issued', async () => {
      const started = await start()
      const state = new URL(started.headers.get('location') ?? '').searchParams.get('state') ?? ''
      expect(await callback({ state, code: 'a-code' })).toMatchObject({
        status: 400,
        body: {
          error:
            'this sign-in was started in another browser (its cookie is missing): start again from the app',
        },
      })
      expect(await callback({ state: 'made-up', code: 'a-code' }, cookieOf(started))).toMatchObject(
        {
          status: 400,
          body: {
            error:
              'this sign-in is unknown to the server (an invalid state): start again from the app',
          },
        },
      )
      expect(await callback({ code: 'a-code' })).toMatchObject({
        status: 400,
        body: { error_code: 'MissingParameter' },
      })
    })

    it('ends a sign-in that took longer than 10 minutes with an error on the app page', async () => {
      const started = await start()
      const state = new URL(started.headers.get('location') ?? '').searchParams.get('state') ?? ''
      clock.advance(11 * 60 * 1000)
      const late = await callback({ state, code: 'a-code' }, cookieOf(started))
      expect(hashOf(late.headers.get('location'))).toMatchObject({
        _baas_state: 'abcdefghijkl',
        _baas_error: 'the sign-in took longer than 10 minutes: start again',
      })
    })

    it('starts a link with the access token: 200, the URL in x-baas-location and in the body', async () => {
      const user = await s.logInAnonymously()
      const path = loginUrl({
        link: 'true',
        state: 'abcdefghijkl',
        redirect: REDIRECT,
        providerRedirectHeader: 'true',
      })
      expect(await s.request('GET', path)).toMatchObject({
        status: 401,
        body: { error_code: 'MissingAuthReq' },
      })
      const answer = await s.request('GET', path, { token: user.access_token })
      expect(answer.status).toBe(200)
      const location = answer.headers.get('x-baas-location')
      expect(location?.startsWith(`${google.url}/authorize?`)).toBe(true)
      expect(answer.body).toEqual({ location })
      expect(answer.headers.get('set-cookie')).toMatch(/^baas_oauth_/)
    })
  },
)
