import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { App } from './App'
import { isApiError } from './ApiError'
import { Credentials } from './Credentials'
import { ObjectId } from './ObjectId'
import { createMemoryStorage } from './storage'
import { clientAppDir } from './testUtils'

const APP = '/api/client/v2.0/app/client-app'

describe.each(testStores())(
  'user.linkCredentials against the real server on $kind',
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ appDir: clientAppDir, storeKind })
    })
    afterAll(() => server.close())

    const newApp = () =>
      new App({ id: 'client-app', baseUrl: server.url, storage: createMemoryStorage() })
    const uniqueEmail = () => `user-${new ObjectId().toHexString()}@example.com`

    // realm-web's own integration test "can link credentials": an anonymous user registers and
    // links the new email/password identity, and stays the same user.
    it('anonymous → email/password: one request, same user, same session, same custom data', async () => {
      const app = newApp()
      const user = await app.logIn(Credentials.anonymous())
      await user.callFunction('writeCustomUserData', { plan: 'pro' })
      const { refreshToken, deviceId } = user
      const email = uniqueEmail()
      await app.emailPasswordAuth.registerUser({ email, password: 'password1' })
      server.requests.length = 0
      await user.linkCredentials(Credentials.emailPassword(email, 'password1'))
      expect(server.requests).toEqual([`POST ${APP}/auth/providers/local-userpass/login`])
      expect(app.currentUser).toBe(user)
      expect(user.identities.map((identity) => identity.providerType)).toEqual([
        'anon-user',
        'local-userpass',
      ])
      expect(user.profile.email).toBe(email)
      expect(user.customData).toMatchObject({ userId: user.id, plan: 'pro' })
      expect(user.refreshToken).toBe(refreshToken)
      expect(user.deviceId).toBe(deviceId)
      // The session refreshes as before, and the email/password login now finds this user.
      await user.refreshCustomData()
      expect(user.customData).toMatchObject({ plan: 'pro' })
      const again = await newApp().logIn(Credentials.emailPassword(email, 'password1'))
      expect(again.id).toBe(user.id)
    })

    it("refuses an identity another user has, with App Services' code and text, and keeps the user as it was", async () => {
      const app = newApp()
      const email = uniqueEmail()
      await app.emailPasswordAuth.registerUser({ email, password: 'password1' })
      await app.logIn(Credentials.emailPassword(email, 'password1'))
      const anonymous = await app.logIn(Credentials.anonymous(false))
      const error: unknown = await anonymous
        .linkCredentials(Credentials.emailPassword(email, 'password1'))
        .catch((caught: unknown) => caught)
      expect(isApiError(error) && error).toMatchObject({
        status: 409,
        errorCode: 'InvalidSession',
        message: 'a user already exists with the specified provider',
      })
      // Not mistaken for a dead session: the user is still logged in, with one identity.
      expect(anonymous.state).toBe('active')
      expect(anonymous.identities.map((identity) => identity.providerType)).toEqual(['anon-user'])
    })

    it('a redirectUrl without the redirect flow fails with the fix in the message, sending nothing', async () => {
      const app = newApp()
      server.requests.length = 0
      await expect(
        app.logIn(Credentials.google({ redirectUrl: 'https://app.example.com/callback' })),
      ).rejects.toThrow(
        'A redirectUrl needs new App({ redirect: popupRedirect }), from "@react-custom-data/client/redirect"',
      )
      expect(server.requests).toEqual([])
    })

    it('sends the device id it was given back at the next login', async () => {
      const app = newApp()
      const first = await app.logIn(Credentials.anonymous(false))
      const second = await app.logIn(Credentials.anonymous(false))
      expect(second.id).not.toBe(first.id)
      expect(second.deviceId).toBe(first.deviceId)
    })
  },
)

describe('Credentials for OAuth providers (realm-web 2.0.1 payloads)', () => {
  it('build the bodies realm-web sends', () => {
    expect(Credentials.google({ idToken: 'id' })).toMatchObject({
      providerName: 'oauth2-google',
      providerType: 'oauth2-google',
      payload: { id_token: 'id' },
    })
    expect(Credentials.google({ authCode: 'code' }).payload).toEqual({ authCode: 'code' })
    expect(Credentials.google({ redirectUrl: 'https://a.example/cb' }).payload).toEqual({
      redirectUrl: 'https://a.example/cb',
    })
    expect(Credentials.apple('eyJ.id.token').payload).toEqual({ id_token: 'eyJ.id.token' })
    expect(Credentials.apple('https://a.example/cb').payload).toEqual({
      redirectUrl: 'https://a.example/cb',
    })
    expect(Credentials.facebook('EAAB...').payload).toEqual({ accessToken: 'EAAB...' })
    expect(Credentials.facebook('https://a.example/cb')).toMatchObject({
      providerType: 'oauth2-facebook',
      payload: { redirectUrl: 'https://a.example/cb' },
    })
    expect(Credentials.oidc('microsoft', { idToken: 'id' })).toMatchObject({
      providerName: 'microsoft',
      providerType: 'oauth2-oidc',
      payload: { id_token: 'id' },
    })
  })
})
