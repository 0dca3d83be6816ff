import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadAppFolder } from '../../appFolder/loadAppFolder'
import { createServer } from '../../createServer'
import { createLogger } from '../../createLogger'
import { pgliteTestStore, testStores } from '../../testing/testStores'
import type { Store } from '../../store/Store'
import { appFolderVariant, createInProcessServer, type InProcessServer } from '../../testUtils'
import { startTestGraphApi } from './testGraphApi'
import { startTestIssuer, type TestIssuer } from './testIssuer'

const oauthAppDir = fileURLToPath(new URL('../../../fixtures/oauth-app', import.meta.url))
const CLIENT_ID = 'web-client.apps.example.com'
const FACEBOOK = { appId: '1234567890', appSecret: 'facebook-app-secret' }

interface Login {
  user_id: string
  access_token: string
  profile: { identities: { provider_type: string }[]; data: Record<string, unknown> }
}

/** The app folder with Google (and a second OIDC provider) pointed at local issuers. */
const providersWith = (issuer: TestIssuer, other: TestIssuer, graphUrl: string) => ({
  'anon-user': { name: 'anon-user', type: 'anon-user' },
  'local-userpass': {
    name: 'local-userpass',
    type: 'local-userpass',
    config: { autoConfirm: true, resetPasswordUrl: 'https://app.example.com/reset' },
  },
  'oauth2-google': {
    name: 'oauth2-google',
    type: 'oauth2-google',
    config: { clientId: CLIENT_ID, issuer: issuer.url },
    metadata_fields: [
      { name: 'email', required: false },
      { name: 'name', required: false },
      { name: 'first_name', required: false },
      { name: 'picture', required: false },
    ],
  },
  'oauth2-apple': {
    name: 'oauth2-apple',
    type: 'oauth2-apple',
    config: { clientId: 'com.example.app', issuer: other.url },
    metadata_fields: [{ name: 'email', required: true }],
  },
  'oauth2-facebook': {
    name: 'oauth2-facebook',
    type: 'oauth2-facebook',
    config: {
      clientId: FACEBOOK.appId,
      graphUrl,
      authorizationUrl: `${graphUrl}/dialog/oauth`,
      tokenUrl: `${graphUrl}/oauth/access_token`,
    },
    secret_config: { clientSecret: 'facebookSecret' },
    metadata_fields: [{ name: 'name', required: true }, { name: 'picture' }, { name: 'min_age' }],
  },
  keycloak: {
    name: 'keycloak',
    type: 'oauth2-oidc',
    config: { clientId: CLIENT_ID, issuer: issuer.url },
    metadata_fields: [{ name: 'email' }, { name: 'realm_access.roles', field_name: 'roles' }],
  },
  auth0: {
    name: 'auth0',
    type: 'oauth2-oidc',
    config: { clientId: CLIENT_ID, issuer: other.url },
  },
  corporate: {
    name: 'corporate',
    type: 'oauth2-oidc',
    config: { clientId: 'corporate-client', issuer: other.url },
    domain_restrictions: ['example.com'],
    metadata_fields: [{ name: 'email' }],
  },
})

describe.each(testStores())('logins with OAuth credentials on $kind', (storeKind) => {
  let s: InProcessServer
  let google: TestIssuer
  let other: TestIssuer
  let graph: Awaited<ReturnType<typeof startTestGraphApi>>
  const now = () => Math.floor(Date.now() / 1000)
  const logIn = async (provider: string, body: Record<string, unknown>) =>
    s.provider(provider, 'login', body)
  const googleToken = (claims: Record<string, unknown> = {}) =>
    google.issue({
      sub: 'google-user-1',
      aud: CLIENT_ID,
      email: 'ada@gmail.com',
      email_verified: true,
      ...claims,
    })

  beforeAll(async () => {
    ;[google, other] = await Promise.all([startTestIssuer(), startTestIssuer()])
    graph = await startTestGraphApi({
      ...FACEBOOK,
      users: {
        'fb-token-ada': {
          id: '10001',
          appId: FACEBOOK.appId,
          fields: {
            name: 'Ada Lovelace',
            email: 'ada@example.com',
            picture: { data: { url: 'https://graph.example/ada.jpg' } },
            age_range: { min: 21 },
          },
        },
        'fb-token-other-app': { id: '10002', appId: '999', fields: { name: 'Mallory' } },
        'fb-token-nameless': { id: '10003', appId: FACEBOOK.appId, fields: {} },
      },
    })
    const dir = await appFolderVariant(oauthAppDir, {
      'auth/providers.json': providersWith(google, other, graph.url),
    })
    s = await createInProcessServer(storeKind, {
      appDir: dir,
      secrets: { facebookSecret: FACEBOOK.appSecret },
    })
  })
  afterAll(async () => {
    await s?.close()
    await Promise.all([google?.close(), other?.close(), graph?.close()])
  })

  it('logs in with a Google ID token (Credentials.google({ idToken })), the same user each time', async () => {
    const first = await logIn('oauth2-google', {
      id_token: await googleToken({
        name: 'Ada Lovelace',
        given_name: 'Ada',
        picture: 'https://x/ada.png',
      }),
    })
    expect(first.status).toBe(200)
    const body = first.body as Login
    // metadata_fields under App Services' names: given_name is first_name.
    expect(body.profile.data).toEqual({
      email: 'ada@gmail.com',
      name: 'Ada Lovelace',
      first_name: 'Ada',
      picture: 'https://x/ada.png',
    })
    expect(body.profile.identities.map((identity) => identity.provider_type)).toEqual([
      'oauth2-google',
    ])
    const again = await logIn('oauth2-google', { id_token: await googleToken() })
    expect((again.body as Login).user_id).toBe(body.user_id)
  })

  it('refuses a tampered, expired, foreign or mis-addressed ID token with a clear error', async () => {
    const token = await googleToken()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        sub: 'someone-else',
      }),
    ).toString('base64url')
    const cases: [string, string][] = [
      [`${header}.${forged}.${signature}`, 'invalid ID token: its signature does not verify'],
      [
        await googleToken({ exp: now() - 120, iat: now() - 3720 }),
        'invalid ID token: it has expired',
      ],
      [
        await googleToken({ aud: 'another-client' }),
        'invalid ID token: it was issued for another client (wrong audience)',
      ],
      [await googleToken({ iss: other.url }), 'invalid ID token: it was issued by another issuer'],
      [
        await google.issue({ sub: 'x', aud: CLIENT_ID }, { key: 'stranger' }),
        'invalid ID token: its signature does not verify',
      ],
      ['not-a-jwt', 'invalid ID token: it is malformed (Invalid Compact JWS)'],
    ]
    for (const [idToken, error] of cases) {
      expect(await logIn('oauth2-google', { id_token: idToken })).toMatchObject({
        status: 401,
        body: { error_code: 'AuthError', error },
      })
    }
    expect(await logIn('oauth2-google', {})).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('expected "id_token" or "authCode"') },
    })
  })

  it('fetches the keys again for a key id it has not seen (a rotation at the provider)', async () => {
    expect((await logIn('oauth2-google', { id_token: await googleToken() })).status).toBe(200)
    const fetched = google.jwksRequests()
    await google.rotate()
    // jose waits 30 s after a fetch before fetching again for an unknown key id.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 })
    try {
      expect((await logIn('oauth2-google', { id_token: await googleToken() })).status).toBe(200)
    } finally {
      vi.useRealTimers()
    }
    expect(google.jwksRequests()).toBe(fetched + 1)
    // Tokens of the retired key no longer verify.
  })

  it('never finds a user by email: a Google email equal to an email/password account is another user', async () => {
    await s.provider('local-userpass', 'register', {
      email: 'grace@example.com',
      password: 'password1',
    })
    const password = (
      await s.provider('local-userpass', 'login', {
        username: 'grace@example.com',
        password: 'password1',
      })
    ).body as Login
    const viaGoogle = (
      await logIn('oauth2-google', {
        id_token: await googleToken({ sub: 'google-grace', email: 'grace@example.com' }),
      })
    ).body as Login
    expect(viaGoogle.user_id).not.toBe(password.user_id)
  })

  it('keys oauth2-oidc identities by issuer: one subject at two issuers is two users', async () => {
    const atKeycloak = await logIn('keycloak', {
      id_token: await google.issue({
        sub: 'same-sub',
        aud: CLIENT_ID,
        email: 'k@example.com',
        realm_access: { roles: ['admin'] },
      }),
    })
    const atAuth0 = await logIn('auth0', {
      id_token: await other.issue({ sub: 'same-sub', aud: CLIENT_ID }),
    })
    expect(atKeycloak).toMatchObject({
      status: 200,
      body: { profile: { data: { email: 'k@example.com', roles: ['admin'] } } },
    })
    expect(atAuth0.status).toBe(200)
    expect((atKeycloak.body as Login).user_id).not.toBe((atAuth0.body as Login).user_id)
  })

  it('lets in only verified emails of the domain_restrictions', async () => {
    const token = (email: string, verified: unknown) =>
      other.issue({ sub: `c-${email}`, aud: 'corporate-client', email, email_verified: verified })
    expect(
      await logIn('corporate', { id_token: await token('bob@example.com', true) }),
    ).toMatchObject({ status: 200 })
    for (const [email, verified] of [
      ['bob2@example.com', false],
      ['eve@evil.example', true],
    ] as const) {
      expect(await logIn('corporate', { id_token: await token(email, verified) })).toMatchObject({
        status: 401,
        body: {
          error: 'this app lets in only accounts with a verified email address at example.com',
        },
      })
    }
  })

  it('refuses a login without a required metadata field', async () => {
    expect(
      await logIn('oauth2-apple', {
        id_token: await other.issue({ sub: 'apple-1', aud: 'com.example.app' }),
      }),
    ).toMatchObject({
      status: 401,
      body: {
        error:
          'the provider did not share "email", which this app requires: allow it when signing in',
      },
    })
    expect(
      await logIn('oauth2-apple', {
        id_token: await other.issue({
          sub: 'apple-1',
          aud: 'com.example.app',
          email: 'x@privaterelay.appleid.com',
          email_verified: 'true',
        }),
      }),
    ).toMatchObject({
      status: 200,
      body: { profile: { data: { email: 'x@privaterelay.appleid.com' } } },
    })
  })

  // Facebook's Graph API cannot be reached from here: a local stand-in plays it (testGraphApi.ts).
  it('logs in with a Facebook access token, checked with debug_token and appsecret_proof', async () => {
    const ada = await logIn('oauth2-facebook', { accessToken: 'fb-token-ada' })
    expect(ada).toMatchObject({
      status: 200,
      body: {
        profile: {
          data: { name: 'Ada Lovelace', picture: 'https://graph.example/ada.jpg', min_age: 21 },
          identities: [{ provider_type: 'oauth2-facebook' }],
        },
      },
    })
    expect(await logIn('oauth2-facebook', { accessToken: 'fb-token-other-app' })).toMatchObject({
      status: 401,
      body: { error: 'invalid Facebook access token: it was issued to another Facebook app' },
    })
    expect(await logIn('oauth2-facebook', { accessToken: 'unknown' })).toMatchObject({
      status: 401,
      body: { error: 'invalid Facebook access token: it is not valid (expired or revoked)' },
    })
    expect(await logIn('oauth2-facebook', { accessToken: 'fb-token-nameless' })).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('did not share "name"') },
    })
  })

  it('answers 503 when the provider cannot be reached', async () => {
    const dir = await appFolderVariant(oauthAppDir, {
      'auth/providers.json': {
        'oauth2-google': {
          name: 'oauth2-google',
          type: 'oauth2-google',
          // Nothing listens on port 9 of this machine.
          config: { clientId: CLIENT_ID, issuer: 'http://127.0.0.1:9' },
        },
      },
    })
    const down = await createInProcessServer(storeKind, { appDir: dir, shareStore: s.store })
    try {
      expect(
        await down.provider('oauth2-google', 'login', { id_token: await googleToken() }),
      ).toMatchObject({
        status: 503,
        body: {
          error_code: 'ServiceUnavailable',
          error: expect.stringContaining('could not be reached'),
        },
      })
    } finally {
      await down.close()
    }
  })
})

describe('OAuth provider settings', () => {
  let store: Store
  beforeAll(async () => {
    store = await pgliteTestStore.open()
  })
  afterAll(() => store?.close())

  const startWith = async (
    provider: Record<string, unknown>,
    secrets: Record<string, string> = {},
    strictSecrets = true,
  ) => {
    const dir = await appFolderVariant(oauthAppDir, {
      'auth/providers.json': { p: { name: 'p', ...provider } },
    })
    const server = await createServer({
      app: await loadAppFolder(dir),
      store,
      logger: createLogger('silent'),
      secrets,
      strictSecrets,
    })
    const disabled = server.context.app.providers.p?.disabled
    await server.close()
    return disabled
  }

  it('stop the server at start-up with what is wrong', async () => {
    await expect(startWith({ type: 'oauth2-google', config: {} })).rejects.toThrow(
      '"config.clientId" must be the client id the provider issued',
    )
    await expect(
      startWith({
        type: 'oauth2-google',
        config: { clientId: 'c', issuer: 'http://login.example.com' },
      }),
    ).rejects.toThrow('"config.issuer" must be an https URL (http only for localhost)')
    await expect(startWith({ type: 'oauth2-oidc', config: { clientId: 'c' } })).rejects.toThrow(
      '"config.issuer" is required',
    )
    await expect(startWith({ type: 'oauth2-facebook', config: { clientId: 'c' } })).rejects.toThrow(
      'Facebook logins need the client secret',
    )
    await expect(
      startWith({
        type: 'oauth2-google',
        config: { clientId: 'c' },
        redirect_uris: ['https://app.example.com/auth'],
      }),
    ).rejects.toThrow('the redirect flow (redirect_uris) needs the client secret')
    const withoutItsSecret = {
      type: 'oauth2-google',
      config: { clientId: 'c' },
      secret_config: { clientSecret: 'googleSecret' },
    }
    await expect(startWith(withoutItsSecret)).rejects.toThrow(
      '1 secret without a value: googleSecret (oauth2-google provider "p"). Set SECRET_GOOGLESECRET',
    )
    // Unless the start is strict about secrets, the provider is disabled instead (issue 15).
    await expect(startWith(withoutItsSecret, {}, false)).resolves.toBe(true)
    await expect(
      startWith({ type: 'oauth2-google', config: { clientId: 'c' }, redirect_uris: ['/relative'] }),
    ).rejects.toThrow('every entry of "redirect_uris" must be an absolute http(s) URL')
  })

  it('start with production endpoints and nothing but a client id for ID-token logins', async () => {
    await expect(startWith({ type: 'oauth2-google', config: { clientId: 'c' } })).resolves.toBe(
      false,
    )
    await expect(
      startWith(
        {
          type: 'oauth2-apple',
          config: { clientId: 'c' },
          secret_config: { clientSecret: 's' },
          redirect_uris: ['https://a.example/cb'],
        },
        { s: 'apple-client-secret-jwt' },
      ),
    ).resolves.toBe(false)
  })
})
