import {
  App,
  Credentials,
  createMemoryStorage,
  isApiError,
  type User,
} from '@react-custom-data/client'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'
import { GOOGLE_CLIENT, OAUTH_SECRETS, oauthAppFolder } from './oauthAppFolder'
import { CookieJar, obtainAuthCode, obtainIdToken, signInAtProvider } from './signInAtProvider'
import {
  AUTH_CODE_PATH,
  startOidcProvider,
  type OidcProvider,
  type TestClient,
} from './startOidcProvider'

const APP_ID = 'oauth-test'
// The app's pages: never loaded in Node, only compared with where the server sends the browser.
const APP_REDIRECT = 'http://127.0.0.1:9/auth/callback.html'
const FRONT_END = 'http://127.0.0.1:9/google-sign-in'
const AUTH_CODE_PAGE = `http://127.0.0.1:9${AUTH_CODE_PATH}`
const ACCOUNTS = {
  'ada@gmail.test': {
    email: 'ada@gmail.test',
    email_verified: true,
    name: 'Ada Lovelace',
    given_name: 'Ada',
  },
  'grace@gmail.test': { email: 'grace@gmail.test', email_verified: true, name: 'Grace Hopper' },
  'alan@gmail.test': { email: 'alan@gmail.test', email_verified: true, name: 'Alan Turing' },
  'edsger@gmail.test': { email: 'edsger@gmail.test', email_verified: true },
  'barbara@gmail.test': { email: 'barbara@gmail.test', email_verified: true },
}
const ANOTHER_APP: TestClient = {
  clientId: 'another-app.apps.googleusercontent.test',
  clientSecret: 'another-secret',
  redirectUris: [FRONT_END],
}
const GOOGLE: TestClient = { ...GOOGLE_CLIENT, redirectUris: [FRONT_END, AUTH_CODE_PAGE] }

/** The `_baas_*` hash parameters of the URL the server sends the popup to. */
const hashOf = (url: string): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(new URL(url).hash.slice(1)))

describe.each(testStores())(
  'Google played by a certified OpenID provider, in Node, on $kind',
  (storeKind) => {
    let provider: OidcProvider
    let server: TestServer
    let clockOffset = 0
    const clock = { now: () => Date.now() + clockOffset }
    const newApp = () =>
      new App({
        id: APP_ID,
        baseUrl: server.url,
        storage: createMemoryStorage(),
        autoRefresh: false,
        crossTab: false,
      })
    const loginUrl = (query: Record<string, string>) =>
      `${server.url}/api/client/v2.0/app/${APP_ID}/auth/providers/oauth2-google/login?${new URLSearchParams(query).toString()}`

    beforeAll(async () => {
      provider = await startOidcProvider(ACCOUNTS)
      server = await startTestServer({
        appDir: await oauthAppFolder({
          issuer: provider.issuer,
          redirectUris: [APP_REDIRECT],
          authCodeRedirectUri: AUTH_CODE_PAGE,
        }),
        storeKind,
        clock,
        secrets: OAUTH_SECRETS,
      })
      await provider.start([
        {
          ...GOOGLE_CLIENT,
          redirectUris: [`${server.url}/api/client/v2.0/auth/callback`, FRONT_END, AUTH_CODE_PAGE],
        },
        ANOTHER_APP,
      ])
    })
    afterAll(async () => {
      await server?.close()
      await provider?.close()
    })

    it('the ID-token flow: Credentials.google({ idToken }) logs in through realm-web 2.0.1 and our client, one user', async () => {
      const idToken = await obtainIdToken(provider.issuer, GOOGLE, 'ada@gmail.test')
      const realmUser = await createRealmWebApp(server.url, APP_ID).logIn(
        Realm.Credentials.google({ idToken }),
      )
      expect(realmUser.profile).toMatchObject({
        email: 'ada@gmail.test',
        name: 'Ada Lovelace',
        firstName: 'Ada',
      })
      expect(realmUser.identities.map((identity) => identity.providerType)).toEqual([
        'oauth2-google',
      ])
      const ourUser = await newApp().logIn(Credentials.google({ idToken }))
      expect(ourUser.id).toBe(realmUser.id)
      expect(ourUser.profile).toMatchObject({ email: 'ada@gmail.test', firstName: 'Ada' })
    })

    it('Credentials.google({ authCode }): the server exchanges a code the page got, once', async () => {
      const code = await obtainAuthCode(
        provider.issuer,
        { client: GOOGLE, redirectUri: AUTH_CODE_PAGE },
        'grace@gmail.test',
      )
      const viaRealmWeb = await createRealmWebApp(server.url, APP_ID).logIn(
        Realm.Credentials.google({ authCode: code }),
      )
      expect(viaRealmWeb.profile).toMatchObject({ email: 'grace@gmail.test' })
      // A code is good for one exchange: the provider refuses it the second time.
      await expect(newApp().logIn(Credentials.google({ authCode: code }))).rejects.toMatchObject({
        status: 401,
        errorCode: 'AuthError',
        message: expect.stringContaining('token endpoint refused: invalid_grant'),
      })
    })

    it('an oauth2-oidc provider (discovered from its issuer) signs in by name, from realm-web 2.0.1 too', async () => {
      const idToken = await obtainIdToken(provider.issuer, GOOGLE, 'grace@gmail.test')
      const ours = await newApp().logIn(Credentials.oidc('corporate', { idToken }))
      expect(ours.identities.map((identity) => identity.providerType)).toEqual(['oauth2-oidc'])
      expect(ours.profile).toMatchObject({ email: 'grace@gmail.test', name: 'Grace Hopper' })
      // realm-web sends only the provider's name; any oauth2-* type picks the body's shape.
      const realmUser = await createRealmWebApp(server.url, APP_ID).logIn(
        new Realm.Credentials('corporate', 'oauth2-apple', false, { id_token: idToken }),
      )
      expect(realmUser.id).toBe(ours.id)
      // Another provider of the same person is another identity, so another user: no email matching.
      const viaGoogle = await newApp().logIn(Credentials.google({ idToken }))
      expect(viaGoogle.id).not.toBe(ours.id)
    })

    it('refuses a tampered, expired or wrong-audience ID token with a clear error', async () => {
      const refusal = async (idToken: string) => {
        const error: unknown = await newApp()
          .logIn(Credentials.google({ idToken }))
          .catch((caught: unknown) => caught)
        return isApiError(error)
          ? { status: error.status, code: error.errorCode, message: error.message }
          : error
      }
      const idToken = await obtainIdToken(provider.issuer, GOOGLE, 'grace@gmail.test')
      const [header, payload, signature] = idToken.split('.') as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
        string,
        unknown
      >
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'ada@gmail.test' })).toString('base64url')}.${signature}`
      expect(await refusal(tampered)).toEqual({
        status: 401,
        code: 'AuthError',
        message: 'invalid ID token: its signature does not verify',
      })
      // An ID token the provider issued to another app (its aud is that app's client id).
      expect(
        await refusal(await obtainIdToken(provider.issuer, ANOTHER_APP, 'grace@gmail.test')),
      ).toEqual({
        status: 401,
        code: 'AuthError',
        message: 'invalid ID token: it was issued for another client (wrong audience)',
      })
      // The provider's ID tokens live an hour: two hours later this one has expired.
      clockOffset = 2 * 60 * 60 * 1000
      try {
        expect(await refusal(idToken)).toEqual({
          status: 401,
          code: 'AuthError',
          message: 'invalid ID token: it has expired',
        })
      } finally {
        clockOffset = 0
      }
    })

    it('the redirect flow over HTTP: the provider, our callback, the app page with _baas_ua; a replayed state is refused', async () => {
      const browser = new CookieJar()
      const device = Buffer.from(
        JSON.stringify({ sdkVersion: '2.0.1', platform: 'chrome' }),
      ).toString('base64')
      const opened = await browser.fetch(
        loginUrl({ state: 'abcdefghijkl', redirect: APP_REDIRECT, device }),
      )
      expect(opened.status).toBe(302)
      const callback = await signInAtProvider(
        browser,
        opened.headers.get('location') ?? '',
        'alan@gmail.test',
      )
      expect(callback.startsWith(`${server.url}/api/client/v2.0/auth/callback?`)).toBe(true)
      const done = await browser.fetch(callback)
      const page = done.headers.get('location') ?? ''
      expect(page.startsWith(`${APP_REDIRECT}#`)).toBe(true)
      const result = hashOf(page)
      expect(result).toMatchObject({ _baas_client_app_id: APP_ID, _baas_state: 'abcdefghijkl' })
      const [accessToken, refreshToken, userId, deviceId] = (result._baas_ua ?? '').split('$')
      expect([accessToken, refreshToken, userId, deviceId].every(Boolean)).toBe(true)
      const profile = await fetch(`${server.url}/api/client/v2.0/auth/profile`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
      expect(await profile.json()).toMatchObject({
        user_id: userId,
        identities: [{ provider_type: 'oauth2-google' }],
        data: { email: 'alan@gmail.test', name: 'Alan Turing' },
      })
      const replayed = await browser.fetch(callback)
      expect(replayed.status).toBe(400)
      expect(await replayed.json()).toEqual({
        error_code: 'InvalidParameter',
        error: 'this sign-in is already complete (its state was used): start again from the app',
      })
    })

    it('refuses a redirect URI that is not in redirect_uris', async () => {
      const answer = await fetch(
        loginUrl({ state: 'abcdefghijkl', redirect: 'https://evil.example/steal' }),
        {
          redirect: 'manual',
        },
      )
      expect(answer.status).toBe(400)
      expect(await answer.json()).toEqual({
        error_code: 'InvalidParameter',
        error:
          'redirect URI "https://evil.example/steal" is not allowed: add it to "redirect_uris" of oauth2-google in auth/providers.json (compared exactly)',
      })
    })

    // realm-web's own integration test "can link credentials".
    it('linking with realm-web 2.0.1: anonymous → email/password keeps the user id and custom data', async () => {
      const app = createRealmWebApp(server.url, APP_ID)
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      await user.functions.writeCustomUserData!({ plan: 'pro' })
      const email = `linked-${Date.now()}@example.com`
      await app.emailPasswordAuth.registerUser({ email, password: 'v3ry-s3cret' })
      await user.linkCredentials(Realm.Credentials.emailPassword(email, 'v3ry-s3cret'))
      expect(user.identities.map((identity) => identity.providerType)).toEqual([
        'anon-user',
        'local-userpass',
      ])
      expect(await user.refreshCustomData()).toMatchObject({ userId: user.id, plan: 'pro' })
      const again = await createRealmWebApp(server.url, APP_ID).logIn(
        Realm.Credentials.emailPassword(email, 'v3ry-s3cret'),
      )
      expect(again.id).toBe(user.id)
      expect(again.customData).toMatchObject({ plan: 'pro' })
    })

    it('linking: anonymous → "Google" (an ID token) through realm-web 2.0.1 and our client', async () => {
      const realmApp = createRealmWebApp(server.url, APP_ID)
      const realmUser = await realmApp.logIn(Realm.Credentials.anonymous(false))
      await realmUser.linkCredentials(
        Realm.Credentials.google({
          idToken: await obtainIdToken(provider.issuer, GOOGLE, 'edsger@gmail.test'),
        }),
      )
      expect(realmUser.identities.map((identity) => identity.providerType)).toEqual([
        'anon-user',
        'oauth2-google',
      ])
      const ourApp = newApp()
      const ourUser: User = await ourApp.logIn(Credentials.anonymous(false))
      await ourUser.callFunction('writeCustomUserData', { plan: 'team' })
      await ourUser.linkCredentials(
        Credentials.google({
          idToken: await obtainIdToken(provider.issuer, GOOGLE, 'barbara@gmail.test'),
        }),
      )
      expect(ourUser.identities.map((identity) => identity.providerType)).toEqual([
        'anon-user',
        'oauth2-google',
      ])
      expect(ourUser.profile.email).toBe('barbara@gmail.test')
      // Signing in with Google from now on is that user, with its custom data.
      const viaGoogle = await newApp().logIn(
        Credentials.google({
          idToken: await obtainIdToken(provider.issuer, GOOGLE, 'barbara@gmail.test'),
        }),
      )
      expect(viaGoogle.id).toBe(ourUser.id)
      expect(viaGoogle.customData).toMatchObject({ plan: 'team' })
    })

    it('linking an identity another user has is refused, once, through realm-web 2.0.1 and our client', async () => {
      const taken = await obtainIdToken(provider.issuer, GOOGLE, 'ada@gmail.test')
      await newApp().logIn(Credentials.google({ idToken: taken }))
      const before = server.requests.length
      const realmUser = await createRealmWebApp(server.url, APP_ID).logIn(
        Realm.Credentials.anonymous(false),
      )
      const realmError = await realmUser
        .linkCredentials(Realm.Credentials.google({ idToken: taken }))
        .catch((caught: unknown) => caught)
      expect(realmError).toMatchObject({
        statusCode: 409,
        errorCode: 'InvalidSession',
        error: 'a user already exists with the specified provider',
      })
      // One link request, no refresh-and-retry loop (a 401 InvalidSession would start one).
      expect(
        server.requests.slice(before).filter((request) => request.includes('login')),
      ).toHaveLength(2)
      const ourUser = await newApp().logIn(Credentials.anonymous(false))
      await expect(
        ourUser.linkCredentials(Credentials.google({ idToken: taken })),
      ).rejects.toMatchObject({
        status: 409,
        errorCode: 'InvalidSession',
        message: 'a user already exists with the specified provider',
      })
      expect(ourUser.identities).toHaveLength(1)
    })
  },
)
