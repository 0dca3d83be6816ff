import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import {
  appFolderVariant,
  authAppDir,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from '../testUtils'

const HS_SECRET = 'a-test-signing-secret-of-32-bytes-or-more'

interface Login {
  access_token: string
  refresh_token: string
  user_id: string
  profile: { type: string; identities: { provider_type: string }[]; data: Record<string, unknown> }
}

const jwt = (
  claims: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  header: { alg?: string; kid?: string } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: header.alg ?? 'HS256', ...(header.kid ? { kid: header.kid } : {}) })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key)

describe.each(testStores())('auth providers on $kind', (storeKind) => {
  let s: InProcessServer
  let rs: InProcessServer
  let jwksServerApp: InProcessServer
  let jwksServer: Server
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey }
  let jwksKey: { publicKey: CryptoKey; privateKey: CryptoKey }
  const hsKey = new TextEncoder().encode(HS_SECRET)

  beforeAll(async () => {
    s = await createInProcessServer(storeKind, {
      appDir: authAppDir,
      secrets: { jwtSigningKey: HS_SECRET },
    })
    rsa = await generateKeyPair('RS256', { extractable: true })
    jwksKey = await generateKeyPair('RS256', { extractable: true })
    const jwks = JSON.stringify({
      keys: [{ ...(await exportJWK(jwksKey.publicKey)), kid: 'k1', alg: 'RS256' }],
    })
    jwksServer = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(jwks)
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    const { port } = jwksServer.address() as AddressInfo
    const customToken = (name: string, config: Record<string, unknown>, secretKeys?: string[]) => ({
      name,
      type: 'custom-token',
      config: { audience: 'auth-app', signingAlgorithm: 'RS256', ...config },
      ...(secretKeys ? { secret_config: { signingKeys: secretKeys } } : {}),
      metadata_fields: [{ required: false, name: 'email' }],
    })
    const pemDir = await appFolderVariant(authAppDir, {
      'auth/providers.json': {
        'custom-token': customToken('custom-token', {}, ['rsaPublicKey']),
      },
    })
    rs = await createInProcessServer(storeKind, {
      appDir: pemDir,
      secrets: { rsaPublicKey: await exportSPKI(rsa.publicKey) },
      shareStore: s.store,
    })
    const jwksDir = await appFolderVariant(authAppDir, {
      'auth/providers.json': {
        'custom-token': customToken('custom-token', {
          useJWKURI: true,
          jwkURI: `http://127.0.0.1:${port}/jwks.json`,
        }),
      },
    })
    jwksServerApp = await createInProcessServer(storeKind, { appDir: jwksDir, shareStore: s.store })
  })
  afterAll(async () => {
    await jwksServerApp.close()
    await rs.close()
    await s.close()
    await new Promise((resolve) => jwksServer.close(resolve))
  })

  const logIn = async (provider: string, body: unknown, server = s) => {
    const answer = await server.provider(provider, 'login', body)
    return answer as { status: number; body: Login & { error?: string; error_code?: string } }
  }

  it('A9: each anonymous login creates a new user, marked by its anon-user identity', async () => {
    const first = await logIn('anon-user', {})
    const second = await logIn('anon-user', {})
    expect(first.status).toBe(200)
    expect(first.body.user_id).not.toBe(second.body.user_id)
    expect(first.body.profile.identities).toEqual([
      expect.objectContaining({ provider_type: 'anon-user' }),
    ])
    expect(decodeJwtPayload(first.body.access_token).is_anonymous).toBe(true)
    const refreshed = await s.request('POST', '/auth/session', { token: first.body.refresh_token })
    const claims = decodeJwtPayload((refreshed.body as { access_token: string }).access_token)
    expect(claims.is_anonymous).toBe(true)
  })

  it('runs on_user_creation_function_name for a new user: its custom data is in the first token', async () => {
    const first = await logIn('anon-user', {})
    expect(decodeJwtPayload(first.body.access_token).user_data).toMatchObject({
      user_id: first.body.user_id,
      plan: 'free',
    })
  })

  describe('user API keys', () => {
    let owner: Login
    beforeAll(async () => {
      await s.provider('local-userpass', 'register', {
        email: 'keys@example.com',
        password: 'good password',
      })
      // Confirm directly: the mail flow is covered elsewhere.
      const { confirmNow } = await import('./startConfirmation')
      await confirmNow(s.server.context, s.server.context.app.providers['local-userpass']!, {
        email: 'keys@example.com',
      })
      owner = (
        await logIn('local-userpass', { username: 'keys@example.com', password: 'good password' })
      ).body
    })
    const keys = (method: string, path: string, body?: unknown) =>
      s.request(method, `/auth/api_keys${path}`, {
        token: owner.refresh_token,
        ...(body ? { body } : {}),
      })

    it('creates (the secret shown once), lists, fetches, disables, enables and deletes, with the refresh token', async () => {
      const created = await keys('POST', '', { name: 'laptop' })
      expect(created.status).toBe(201)
      const key = created.body as { _id: string; key: string; name: string; disabled: boolean }
      expect(key).toMatchObject({
        _id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: 'laptop',
        disabled: false,
      })
      expect(key.key).toMatch(/^[A-Za-z0-9_-]{64}$/)
      expect((await keys('GET', '')).body).toEqual([
        { _id: key._id, name: 'laptop', disabled: false },
      ])
      expect((await keys('GET', `/${key._id}`)).body).toEqual({
        _id: key._id,
        name: 'laptop',
        disabled: false,
      })

      const withKey = await logIn('api-key', { key: key.key })
      expect(withKey.status).toBe(200)
      expect(decodeJwtPayload(withKey.body.access_token).is_anonymous).toBeUndefined()
      expect(withKey.body.user_id).toBe(owner.user_id)

      expect((await keys('PUT', `/${key._id}/disable`)).status).toBe(204)
      expect((await keys('GET', `/${key._id}`)).body).toMatchObject({ disabled: true })
      expect(await logIn('api-key', { key: key.key })).toMatchObject({
        status: 401,
        body: { error: 'invalid API key' },
      })
      expect((await keys('PUT', `/${key._id}/enable`)).status).toBe(204)
      expect((await logIn('api-key', { key: key.key })).status).toBe(200)
      expect((await keys('DELETE', `/${key._id}`)).status).toBe(204)
      expect(await keys('GET', `/${key._id}`)).toMatchObject({
        status: 404,
        body: { error_code: 'APIKeyNotFound' },
      })
      expect((await logIn('api-key', { key: key.key })).status).toBe(401)
    })

    it('refuses duplicates, bad names, anonymous owners and access tokens', async () => {
      expect((await keys('POST', '', { name: 'phone' })).status).toBe(201)
      expect(await keys('POST', '', { name: 'phone' })).toMatchObject({
        status: 409,
        body: { error_code: 'APIKeyAlreadyExists' },
      })
      expect(await keys('POST', '', { name: '<script>' })).toMatchObject({ status: 400 })
      expect(await keys('POST', '', {})).toMatchObject({ status: 400 })
      const anonymous = (await logIn('anon-user', {})).body
      const answer = await s.request('POST', '/auth/api_keys', {
        token: anonymous.refresh_token,
        body: { name: 'x' },
      })
      expect(answer).toMatchObject({
        status: 403,
        body: { error: 'anonymous users cannot create API keys' },
      })
      // API-key routes take the refresh token; an access token is not a session.
      expect((await s.request('GET', '/auth/api_keys', { token: owner.access_token })).status).toBe(
        401,
      )
    })

    it('E2: 25 creations racing past the 20-key limit: exactly 20 keys, never a 21st', async () => {
      const racer = (
        await logIn('custom-token', {
          token: await jwt({ sub: 'key-racer', aud: 'auth-app', email: 'kr@example.com' }, hsKey),
        })
      ).body
      const answers = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          s.request('POST', '/auth/api_keys', {
            token: racer.refresh_token,
            body: { name: `key-${i}` },
          }),
        ),
      )
      expect(answers.filter((a) => a.status === 201)).toHaveLength(20)
      expect(answers.filter((a) => a.status === 400)).toHaveLength(5)
      const [row] = await s.store.query<{ n: string }>(
        'SELECT count(*) AS n FROM api_keys WHERE user_id = $1',
        [racer.user_id],
      )
      expect(Number(row?.n)).toBe(20)
    })

    it('E2: two creations of one key name racing: one wins, the other is 409, never a 500', async () => {
      const answers = await Promise.all([
        keys('POST', '', { name: 'raced' }),
        keys('POST', '', { name: 'raced' }),
      ])
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409])
    })
  })

  describe('custom-token (custom JWT)', () => {
    it('logs in with an HS256 JWT signed by the test, copying metadata fields into the profile', async () => {
      const token = await jwt(
        {
          sub: 'ext-1',
          aud: 'auth-app',
          email: 'ext@example.com',
          profile: { displayName: 'Ext' },
        },
        hsKey,
      )
      const first = await logIn('custom-token', { token })
      expect(first.status).toBe(200)
      expect(first.body.profile).toMatchObject({
        data: { email: 'ext@example.com', name: 'Ext' },
        identities: [{ provider_type: 'custom-token' }],
      })
      const again = await logIn('custom-token', {
        token: await jwt({ sub: 'ext-1', aud: 'auth-app', email: 'new@example.com' }, hsKey),
      })
      expect(again.body.user_id).toBe(first.body.user_id)
      expect(again.body.profile.data).toMatchObject({ email: 'new@example.com' })
    })

    it('refuses a wrong signature, audience, algorithm, expiry or a missing required field', async () => {
      const base = { sub: 'ext-2', aud: 'auth-app', email: 'x@example.com' }
      const refused = async (token: string, message: RegExp) => {
        const answer = await logIn('custom-token', { token })
        expect(answer.status).toBe(401)
        expect(answer.body).toMatchObject({
          error_code: 'AuthError',
          error: expect.stringMatching(message),
        })
      }
      await refused(
        await jwt(base, new TextEncoder().encode('another-secret-of-at-least-32-bytes!!')),
        /signature/,
      )
      await refused(await jwt({ ...base, aud: 'other' }, hsKey), /aud/)
      await refused(
        await jwt({ sub: 'ext-2', aud: 'auth-app' }, hsKey),
        /required metadata field "email"/,
      )
      await refused(
        await new SignJWT(base)
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuedAt()
          .setExpirationTime('-5m')
          .sign(hsKey),
        /exp/,
      )
      await refused(
        await new SignJWT(base).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(hsKey),
        /exp/,
      )
      await refused(await jwt(base, rsa.privateKey, { alg: 'RS256' }), /alg/)
      await refused('not.a.jwt', /invalid custom auth token/)
    })

    it('E2: two first logins of one identity racing end with one user and no 500', async () => {
      const token = await jwt({ sub: 'racer', aud: 'auth-app', email: 'r@example.com' }, hsKey)
      const answers = await Promise.all([1, 2, 3].map(() => logIn('custom-token', { token })))
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
      expect(new Set(answers.map((a) => a.body.user_id)).size).toBe(1)
    })

    it('verifies RS256 with a PEM public key, and with keys from a JWKS URL', async () => {
      const pem = await logIn(
        'custom-token',
        { token: await jwt({ sub: 'rs-1', aud: 'auth-app' }, rsa.privateKey, { alg: 'RS256' }) },
        rs,
      )
      expect(pem.status).toBe(200)
      const fromJwks = await logIn(
        'custom-token',
        {
          token: await jwt({ sub: 'rs-2', aud: 'auth-app' }, jwksKey.privateKey, {
            alg: 'RS256',
            kid: 'k1',
          }),
        },
        jwksServerApp,
      )
      expect(fromJwks.status).toBe(200)
      const wrongKey = await logIn(
        'custom-token',
        {
          token: await jwt({ sub: 'rs-3', aud: 'auth-app' }, rsa.privateKey, {
            alg: 'RS256',
            kid: 'k1',
          }),
        },
        jwksServerApp,
      )
      expect(wrongKey.status).toBe(401)
      const hsOnRs = await logIn(
        'custom-token',
        { token: await jwt({ sub: 'rs-4', aud: 'auth-app' }, hsKey) },
        rs,
      )
      expect(hsOnRs.status).toBe(401)
    })
  })

  describe('custom-function', () => {
    it('logs in with the id the function returns, the same user every time', async () => {
      const body = { username: 'fn-user', pin: { $numberInt: '1234' }, options: { device: {} } }
      const first = await logIn('custom-function', body)
      expect(first.status).toBe(200)
      expect(first.body.profile).toMatchObject({
        data: { name: 'fn-user' },
        identities: [{ provider_type: 'custom-function' }],
      })
      expect((await logIn('custom-function', body)).body.user_id).toBe(first.body.user_id)
      expect((await logIn('custom-function', { username: 'nameless', pin: 1234 })).status).toBe(200)
    })

    it('answers a throwing function with 401 and its message', async () => {
      expect(await logIn('custom-function', { username: 'bob', pin: 1 })).toMatchObject({
        status: 401,
        body: { error_code: 'AuthError', error: 'wrong pin for bob' },
      })
    })
  })

  it('B20: a disabled user cannot log in with any provider: 401 UserDisabled, no session opened', async () => {
    const token = await jwt({ sub: 'to-disable', aud: 'auth-app', email: 'd@example.com' }, hsKey)
    const jwtUser = (await logIn('custom-token', { token })).body.user_id
    const fnBody = { username: 'fn-disabled', pin: 1234 }
    const fnUser = (await logIn('custom-function', fnBody)).body.user_id
    await s.store.query('UPDATE users SET disabled = true WHERE id = ANY($1::text[])', [
      [jwtUser, fnUser],
    ])
    const sessionsOf = async (userId: string) =>
      (await s.store.query('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).length
    const before = [await sessionsOf(jwtUser), await sessionsOf(fnUser)]
    const refused = { status: 401, body: { error_code: 'UserDisabled', error: 'user disabled' } }
    expect(await logIn('custom-token', { token })).toMatchObject(refused)
    expect(await logIn('custom-function', fnBody)).toMatchObject(refused)
    expect([await sessionsOf(jwtUser), await sessionsOf(fnUser)]).toEqual(before)
  })

  it('checks Google ID tokens now that oauth2-google is implemented', async () => {
    expect(await logIn('oauth2-google', { id_token: 'x' })).toMatchObject({
      status: 401,
      body: { error_code: 'AuthError', error: expect.stringContaining('invalid ID token') },
    })
    expect(s.server.context.app.warnings.join('\n')).not.toContain('oauth2-google')
  })

  it('links only with the access token of a logged-in user, and never an anonymous identity', async () => {
    const path = `/app/${s.appId}/auth/providers/anon-user/login?link=true`
    expect(await s.request('POST', path, { body: {} })).toMatchObject({
      status: 401,
      body: { error_code: 'MissingAuthReq' },
    })
    const user = await s.logInAnonymously()
    // App Services' text (realm-kotlin's linkCredentials tests expect it).
    expect(await s.request('POST', path, { body: {}, token: user.access_token })).toMatchObject({
      status: 400,
      body: { error_code: 'BadRequest', error: 'linking an anonymous identity is not allowed' },
    })
  })
})
