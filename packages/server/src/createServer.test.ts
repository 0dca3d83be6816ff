import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgliteTestStore, testStores } from './testing/testStores'
import {
  API,
  appFolderVariant,
  basicAppDir,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from './testUtils'

describe.each(testStores())('the thin slice over HTTP on $kind', (storeKind) => {
  let s: InProcessServer
  beforeAll(async () => {
    s = await createInProcessServer(storeKind)
  })
  afterAll(() => s.close())

  it('answers location discovery with its own origin as hostname', async () => {
    const answer = await s.request('GET', `/app/${s.appId}/location`)
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ hostname: 'http://localhost', deployment_model: 'GLOBAL' })
  })

  it('answers 404 AppNotFound for another app id', async () => {
    const answer = await s.request('GET', '/app/someone-else/location')
    expect(answer.status).toBe(404)
    expect(answer.body).toEqual({ error: expect.any(String), error_code: 'AppNotFound' })
  })

  it('logs in anonymously: tokens, a 24-hex device id and the profile (§3.3, §17.2)', async () => {
    const login = await s.logInAnonymously()
    expect(login.user_id).toMatch(/^[0-9a-f]{24}$/)
    expect(login.device_id).toMatch(/^[0-9a-f]{24}$/)
    expect(login.refresh_token.length).toBeGreaterThanOrEqual(43)
    expect(login).toMatchObject({
      profile: {
        user_id: login.user_id,
        type: 'normal',
        identities: [{ provider_type: 'anon-user' }],
        data: {},
      },
    })
    const claims = decodeJwtPayload(login.access_token)
    expect(claims).toMatchObject({
      sub: login.user_id,
      typ: 'access',
      aud: s.appId,
      baas_device_id: login.device_id,
    })
    expect((claims.exp as number) - (claims.iat as number)).toBe(1800)
    expect(claims.user_data).toBeUndefined()
  })

  it('signs access tokens that verify against the published JWKS', async () => {
    const login = await s.logInAnonymously()
    const jwks = await s.request('GET', 'http://localhost/.well-known/jwks.json')
    const keySet = createLocalJWKSet(jwks.body as { keys: [] })
    const { payload, protectedHeader } = await jwtVerify(login.access_token, keySet, {
      algorithms: ['EdDSA'],
    })
    expect(payload.sub).toBe(login.user_id)
    expect(protectedHeader.kid).toEqual(expect.any(String))
    expect(JSON.stringify(jwks.body)).not.toContain('"d"')
  })

  it('serves the profile to the access token', async () => {
    const login = await s.logInAnonymously()
    const answer = await s.request('GET', '/auth/profile', { token: login.access_token })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      user_id: login.user_id,
      identities: [{ provider_type: 'anon-user' }],
    })
  })

  it('puts custom data written by a function into the next refreshed token', async () => {
    const login = await s.logInAnonymously()
    const call = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: {
        name: 'setMyData',
        arguments: [{ favoriteFood: 'pizza', visits: { $numberInt: '3' } }],
      },
    })
    expect(call.status).toBe(200)
    expect(call.body).toMatchObject({
      matchedCount: { $numberInt: '0' },
      upsertedId: { $oid: expect.any(String) },
    })

    const refresh = await s.request('POST', '/auth/session', { token: login.refresh_token })
    expect(refresh.status).toBe(201)
    const claims = decodeJwtPayload((refresh.body as { access_token: string }).access_token)
    expect(claims.user_data).toMatchObject({
      user_id: login.user_id,
      favoriteFood: 'pizza',
      visits: 3,
    })

    expect(call.headers.get('x-refreshed-access-token')).toEqual(expect.any(String))
    const refreshed = decodeJwtPayload(call.headers.get('x-refreshed-access-token') ?? '')
    expect(refreshed).toMatchObject({
      sub: login.user_id,
      baas_id: claims.baas_id,
      user_data: { favoriteFood: 'pizza' },
    })

    const second = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: { name: 'setMyData', arguments: [{ favoriteFood: 'ramen' }] },
    })
    expect(second.body).toEqual({
      matchedCount: { $numberInt: '1' },
      modifiedCount: { $numberInt: '1' },
    })
  })

  it('X-Refreshed-Access-Token carries the new data, not more time than the token it replaces', async () => {
    // A stolen access token must not renew itself by writing: only a refresh (refresh token,
    // idle timeout, reuse detection) extends a session's access.
    let now = Date.parse('2030-01-01T00:00:00Z')
    const timed = await createInProcessServer(storeKind, {
      clock: { now: () => now },
      shareStore: s.store,
    })
    try {
      const login = await timed.logInAnonymously()
      now += 20 * 60 * 1000
      const call = await timed.request('POST', `/app/${timed.appId}/functions/call`, {
        token: login.access_token,
        body: { name: 'setMyData', arguments: [{ favoriteFood: 'soup' }] },
      })
      const refreshed = decodeJwtPayload(call.headers.get('x-refreshed-access-token') ?? '')
      expect(refreshed.user_data).toMatchObject({ favoriteFood: 'soup' })
      expect(refreshed.iat).toBe(now / 1000)
      expect(refreshed.exp).toBe(decodeJwtPayload(login.access_token).exp)
    } finally {
      await timed.close()
    }
  })

  it('passes EJSON arguments to functions and answers canonical EJSON', async () => {
    const login = await s.logInAnonymously()
    const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: {
        name: 'echo',
        arguments: [
          { $numberInt: '1' },
          { $numberDouble: '2.5' },
          { $date: { $numberLong: '0' } },
          { $numberLong: '9007199254740993' },
        ],
      },
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      args: [
        { $numberInt: '1' },
        { $numberDouble: '2.5' },
        { $date: { $numberLong: '0' } },
        { $numberLong: '9007199254740993' },
      ],
      userId: login.user_id,
      customData: {},
    })
  })

  it('hides private and unknown functions behind the same 404', async () => {
    const login = await s.logInAnonymously()
    for (const name of ['utils/secret', 'nope']) {
      const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
        token: login.access_token,
        body: { name, arguments: [] },
      })
      expect(answer.status).toBe(404)
      expect(answer.body).toEqual({
        error: `function not found: '${name}'`,
        error_code: 'FunctionNotFound',
      })
    }
  })

  it('answers a throwing function with FunctionExecutionError and no stack', async () => {
    const login = await s.logInAnonymously()
    const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: { name: 'fail', arguments: [] },
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      error: 'this function always fails',
      error_code: 'FunctionExecutionError',
    })
  })

  it('answers 401 InvalidSession to a bad access token and MissingAuthReq to none', async () => {
    const bad = await s.request('GET', '/auth/profile', { token: 'a.b.c' })
    expect(bad.status).toBe(401)
    expect(bad.body).toMatchObject({ error_code: 'InvalidSession' })
    const none = await s.request('GET', '/auth/profile')
    expect(none.status).toBe(401)
    expect(none.body).toMatchObject({ error_code: 'MissingAuthReq' })
  })

  it('logs out: the refresh token stops working with the phrase realm-web expects', async () => {
    const login = await s.logInAnonymously()
    const logout = await s.request('DELETE', '/auth/session', { token: login.refresh_token })
    expect(logout.status).toBe(204)
    const refresh = await s.request('POST', '/auth/session', { token: login.refresh_token })
    expect(refresh.status).toBe(401)
    expect(refresh.body).toMatchObject({ error_code: 'InvalidSession' })
    const again = await s.request('DELETE', '/auth/session', { token: login.refresh_token })
    expect(again.body).toMatchObject({ error: 'failed to find refresh token' })
  })

  it('answers malformed bodies with 400 and a reason, never a 500', async () => {
    const login = await s.logInAnonymously()
    const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: '{"name": ',
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({
      error_code: 'BadRequest',
      error: expect.stringContaining('not valid JSON'),
    })
    const noName = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: { arguments: [] },
    })
    expect(noName.status).toBe(400)
  })

  it('answers CORS preflights and exposes the headers clients read, for any origin by default (§1.5)', async () => {
    const preflight = await s.server.fetch(
      new Request(`${API}/auth/session`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://anywhere.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      }),
    )
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://anywhere.example')
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true')
    expect(preflight.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']),
    )
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toEqual(
      expect.stringContaining('authorization'),
    )
    const answer = await s.server.fetch(
      new Request(`${API}/app/${s.appId}/location`, {
        headers: { origin: 'https://anywhere.example' },
      }),
    )
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://anywhere.example')
    expect(answer.headers.get('access-control-expose-headers')?.toLowerCase()).toEqual(
      expect.stringContaining('x-refreshed-access-token'),
    )
    expect(answer.headers.get('access-control-expose-headers')?.toLowerCase()).toEqual(
      expect.stringContaining('x-baas-location'),
    )
  })

  it('allows only the origins of allowed_request_origins when the app lists some (§1.5)', async () => {
    const dir = await appFolderVariant(basicAppDir, {
      'realm_config.json': {
        app_id: 'basic-app-abcde',
        name: 'basic-app',
        allowed_request_origins: ['https://app.example.com'],
      },
    })
    const listed = await createInProcessServer(storeKind, { appDir: dir, shareStore: s.store })
    try {
      const from = (origin: string) =>
        listed.server.fetch(
          new Request(`${API}/auth/session`, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'POST' },
          }),
        )
      const allowed = await from('https://app.example.com')
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
      const refused = await from('https://evil.example')
      expect(refused.headers.get('access-control-allow-origin')).toBeNull()
      const simple = await listed.server.fetch(
        new Request(`${API}/app/${listed.appId}/location`, {
          headers: { origin: 'https://evil.example' },
        }),
      )
      expect(simple.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await listed.close()
    }
  })

  it('answers health and readiness', async () => {
    expect((await s.request('GET', 'http://localhost/health/alive')).status).toBe(200)
    expect((await s.request('GET', 'http://localhost/health/ready')).status).toBe(200)
  })

  it('tags every answer with X-Request-Id: the caller’s when it is a sane token, else a new one', async () => {
    const fresh = await s.request('GET', 'http://localhost/health/alive')
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const error = await s.request('GET', '/auth/profile')
    expect(error.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const given = await s.request('GET', 'http://localhost/health/alive', {
      headers: { 'x-request-id': 'trace-42.a:b' },
    })
    expect(given.headers.get('x-request-id')).toBe('trace-42.a:b')
    const forged = await s.request('GET', 'http://localhost/health/alive', {
      headers: { 'x-request-id': `spaces and ${'x'.repeat(200)}` },
    })
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('a store out of reach', () => {
  it('answers 503 with Retry-After and no internals; readiness fails while liveness holds', async () => {
    const s = await createInProcessServer(pgliteTestStore)
    try {
      const login = await s.logInAnonymously()
      await s.store.close()
      const refresh = await s.request('POST', '/auth/session', { token: login.refresh_token })
      expect(refresh.status).toBe(503)
      expect(refresh.headers.get('retry-after')).toBe('5')
      expect(refresh.body).toEqual({
        error: 'the service is temporarily unavailable',
        error_code: 'ServiceUnavailable',
      })
      expect((await s.request('GET', 'http://localhost/health/ready')).status).toBe(503)
      expect((await s.request('GET', 'http://localhost/health/alive')).status).toBe(200)
    } finally {
      await s.close()
    }
  })
})
