import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import {
  appFolderVariant,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from '../testUtils'
import { startTestIssuer, type TestIssuer } from './oauth/testIssuer'

const oauthAppDir = fileURLToPath(new URL('../../fixtures/oauth-app', import.meta.url))
const JWT_SECRET = 'a-test-signing-secret-of-32-bytes-or-more'
const GOOGLE_CLIENT = 'web-client.apps.example.com'

interface Answer {
  user_id: string
  access_token: string
  refresh_token?: string
  device_id: string
  profile: { identities: { provider_type: string }[]; data: Record<string, unknown> }
}

describe.each(testStores())('identity linking (?link=true) on $kind', (storeKind) => {
  let s: InProcessServer
  let google: TestIssuer
  let counter = 0
  const email = () => `user${++counter}-${Date.now()}@example.com`
  const link = (provider: string, token: string, body: Record<string, unknown>) =>
    s.request('POST', `/app/${s.appId}/auth/providers/${provider}/login?link=true`, { body, token })
  const register = async (address: string) => {
    const answer = await s.provider('local-userpass', 'register', {
      email: address,
      password: 'password1',
    })
    expect(answer.status).toBe(201)
  }
  const customData = async (token: string) =>
    (
      await s.request('POST', `/app/${s.appId}/functions/call`, {
        token,
        body: { name: 'setMyData', arguments: [{ favourite: 'tea' }] },
      })
    ).status
  const customToken = (sub: string) =>
    new SignJWT({ sub, aud: 'oauth-app', email: `${sub}@jwt.example` })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET))

  beforeAll(async () => {
    google = await startTestIssuer()
    const dir = await appFolderVariant(oauthAppDir, {
      'auth/providers.json': {
        'anon-user': { name: 'anon-user', type: 'anon-user' },
        'local-userpass': {
          name: 'local-userpass',
          type: 'local-userpass',
          config: { autoConfirm: true, resetPasswordUrl: 'https://app.example.com/reset' },
        },
        'api-key': { name: 'api-key', type: 'api-key' },
        'custom-token': {
          name: 'custom-token',
          type: 'custom-token',
          config: { audience: 'oauth-app', signingAlgorithm: 'HS256' },
          secret_config: { signingKeys: ['jwtSigningKey'] },
          metadata_fields: [{ name: 'email' }],
        },
        'oauth2-google': {
          name: 'oauth2-google',
          type: 'oauth2-google',
          config: { clientId: GOOGLE_CLIENT, issuer: google.url },
          metadata_fields: [{ name: 'email' }, { name: 'name' }],
        },
      },
    })
    s = await createInProcessServer(storeKind, {
      appDir: dir,
      secrets: { jwtSigningKey: JWT_SECRET },
    })
  })
  afterAll(async () => {
    await s?.close()
    await google?.close()
  })

  // realm-web's own integration test ("can link credentials"): register, then link at once.
  it('anonymous → email/password: the user keeps its id, session and custom data', async () => {
    const anonymous = await s.logInAnonymously()
    expect(decodeJwtPayload(anonymous.access_token).is_anonymous).toBe(true)
    expect(await customData(anonymous.access_token)).toBe(200)
    const address = email()
    await register(address)
    const linked = await link('local-userpass', anonymous.access_token, {
      username: address,
      password: 'password1',
    })
    expect(linked.status).toBe(200)
    const answer = linked.body as Answer
    expect(answer.user_id).toBe(anonymous.user_id)
    expect(answer.device_id).toBe(anonymous.device_id)
    // realm-web keeps its refresh token: the answer has none, and the session stays the same.
    expect(answer.refresh_token).toBeUndefined()
    expect(decodeJwtPayload(answer.access_token)).toMatchObject({
      sub: anonymous.user_id,
      baas_id: decodeJwtPayload(anonymous.access_token).baas_id,
      user_data: { plan: 'free', favourite: 'tea' },
    })
    expect(decodeJwtPayload(answer.access_token).is_anonymous).toBeUndefined()
    expect(answer.profile.identities.map((identity) => identity.provider_type)).toEqual([
      'anon-user',
      'local-userpass',
    ])
    expect(answer.profile.data).toMatchObject({ email: address })
    // The old refresh token still works, now for a user that is no longer anonymous.
    const refreshed = await s.request('POST', '/auth/session', { token: anonymous.refresh_token })
    expect(refreshed.status).toBe(201)
    const claims = decodeJwtPayload((refreshed.body as { access_token: string }).access_token)
    expect(claims).toMatchObject({ sub: anonymous.user_id, user_data: { favourite: 'tea' } })
    expect(claims.is_anonymous).toBeUndefined()
    // And the email/password login lets in the same user, with its data.
    const again = await s.provider('local-userpass', 'login', {
      username: address,
      password: 'password1',
    })
    expect(again.body).toMatchObject({ user_id: anonymous.user_id })
    const [leftovers] = await s.store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM identities WHERE provider_type = 'local-userpass' AND external_id = $1",
      [address],
    )
    expect(leftovers?.n).toBe(1)
  })

  it('anonymous → Google (an ID token): the user keeps its id and gains the identity and its profile', async () => {
    const anonymous = await s.logInAnonymously()
    const idToken = await google.issue({
      sub: 'g-link-1',
      aud: GOOGLE_CLIENT,
      email: 'ada@gmail.com',
      name: 'Ada',
    })
    const linked = await link('oauth2-google', anonymous.access_token, { id_token: idToken })
    expect(linked).toMatchObject({
      status: 200,
      body: {
        user_id: anonymous.user_id,
        profile: {
          identities: [{ provider_type: 'anon-user' }, { provider_type: 'oauth2-google' }],
          data: { email: 'ada@gmail.com', name: 'Ada' },
        },
      },
    })
    const viaGoogle = await s.provider('oauth2-google', 'login', { id_token: idToken })
    expect(viaGoogle.body).toMatchObject({ user_id: anonymous.user_id })
    // Linking it again to the same user changes nothing.
    expect(
      (await link('oauth2-google', anonymous.access_token, { id_token: idToken })).status,
    ).toBe(200)
  })

  it("refuses an identity another user has, with App Services' error, and changes nothing", async () => {
    const address = email()
    await register(address)
    const owner = await s.provider('local-userpass', 'login', {
      username: address,
      password: 'password1',
    })
    const jwtOwner = await s.provider('custom-token', 'login', {
      token: await customToken('taken-sub'),
    })
    const intruder = await s.logInAnonymously()
    const refused = {
      // App Services answered InvalidSession with this text (realm-kotlin's and realm-dotnet's
      // tests), status 401; 409 here, or realm-web would refresh and retry forever.
      status: 409,
      body: {
        error_code: 'InvalidSession',
        error: 'a user already exists with the specified provider',
      },
    }
    expect(
      await link('local-userpass', intruder.access_token, {
        username: address,
        password: 'password1',
      }),
    ).toMatchObject(refused)
    expect(
      await link('custom-token', intruder.access_token, { token: await customToken('taken-sub') }),
    ).toMatchObject(refused)
    const profile = await s.request('GET', '/auth/profile', { token: intruder.access_token })
    expect((profile.body as Answer['profile']).identities).toEqual([
      expect.objectContaining({ provider_type: 'anon-user' }),
    ])
    const ownerAgain = await s.provider('local-userpass', 'login', {
      username: address,
      password: 'password1',
    })
    expect(ownerAgain.body).toMatchObject({ user_id: (owner.body as Answer).user_id })
    expect(jwtOwner.status).toBe(200)
  })

  it('refuses what App Services refused: a second email/password identity, an API key, a wrong password', async () => {
    const first = email()
    const second = email()
    await register(first)
    await register(second)
    const user = await s.provider('local-userpass', 'login', {
      username: first,
      password: 'password1',
    })
    const token = (user.body as Answer).access_token
    expect(
      await link('local-userpass', token, { username: second, password: 'password1' }),
    ).toMatchObject({
      status: 400,
      body: {
        error: 'linking a local-userpass identity is not allowed when one is already linked',
      },
    })
    expect(await link('api-key', token, { key: 'whatever' })).toMatchObject({
      status: 400,
      body: { error: 'invalid user link request' },
    })
    const anonymous = await s.logInAnonymously()
    expect(
      await link('local-userpass', anonymous.access_token, {
        username: second,
        password: 'wrong-password',
      }),
    ).toMatchObject({
      status: 401,
      body: { error_code: 'InvalidPassword' },
    })
  })

  it('links custom-token identities, and refuses a logged-out session', async () => {
    const anonymous = await s.logInAnonymously()
    expect(
      await link('custom-token', anonymous.access_token, { token: await customToken('fresh-sub') }),
    ).toMatchObject({
      status: 200,
      body: { user_id: anonymous.user_id, profile: { data: { email: 'fresh-sub@jwt.example' } } },
    })
    await s.request('DELETE', '/auth/session', { token: anonymous.refresh_token })
    expect(
      await link('custom-token', anonymous.access_token, { token: await customToken('other-sub') }),
    ).toMatchObject({ status: 401, body: { error_code: 'InvalidSession' } })
  })
})
