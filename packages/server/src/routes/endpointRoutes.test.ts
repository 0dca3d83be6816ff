import { createHmac } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withStaticSite } from '../http/withStaticSite'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { createCapturingLogger } from '../testUtils'

// HTTPS endpoints as App Services served them (mongodb/docs-app-services:
// source/data-api/custom-endpoints.txt, source/reference/config/https_endpoints.txt), called with
// plain fetch on a real port.
const endpointsAppDir = fileURLToPath(new URL('../../fixtures/endpoints-app', import.meta.url))
const APP = 'endpoints-app-abcde'
const JWT_KEY = 'an-endpoints-jwt-signing-key-of-32-bytes+'
const SECRET = 'endpoint-secret-12345'

interface Echo {
  method: string
  webhookUrl: string
  query: Record<string, string>
  headers: Record<string, string[]>
  body: string | null
  bodyIsBinary: boolean
  user: string
  userType: string
  customData: Record<string, unknown>
  system: boolean
  hasResponse: boolean
}

describe.each(testStores())('HTTPS endpoints on $kind', (storeKind) => {
  let server: TestServer
  const logs = createCapturingLogger('warn')
  const endpoint = (route: string) => `${server.url}/app/${APP}/endpoint${route}`
  const api = (path: string) => `${server.url}/api/client/v2.0/app/${APP}${path}`

  const register = async (email: string) => {
    const password = 'a long enough password'
    await fetch(api('/auth/providers/local-userpass/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    const login = (await (
      await fetch(api('/auth/providers/local-userpass/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: email, password }),
      })
    ).json()) as { access_token: string; refresh_token: string; user_id: string }
    return { email, password, ...login }
  }

  beforeAll(async () => {
    server = await startTestServer({
      appDir: endpointsAppDir,
      storeKind,
      logger: logs.logger,
      secrets: { endpointSecret: SECRET, endpointsJwtKey: JWT_KEY },
    })
  })
  afterAll(() => server.close())

  it('serves a route at /app/{appId}/endpoint/{route} for any method (*), with the request object', async () => {
    const ada = await register('ada@example.com')
    const answer = await fetch(`${endpoint('/echo')}?tag=a&tag=b&x=1`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${ada.access_token}`,
        'content-type': 'text/plain',
        'x-custom': 'value',
      },
      body: 'hello body',
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toContain('application/json')
    const echo = (await answer.json()) as Echo
    expect(echo).toMatchObject({
      method: 'PATCH',
      webhookUrl: '/echo',
      // Each parameter's first value (data-api/custom-endpoints, "Access Request Data").
      query: { tag: 'a', x: '1' },
      body: 'hello body',
      bodyIsBinary: true,
      user: ada.user_id,
      system: false,
      hasResponse: true,
    })
    expect(echo.headers['X-Custom']).toEqual(['value'])
    // The credentials the server took are not passed on.
    expect(echo.headers.Authorization).toBeUndefined()
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const other = await fetch(endpoint('/echo'), {
        method,
        headers: { authorization: `Bearer ${ada.access_token}` },
      })
      expect(((await other.json()) as Echo).method).toBe(method)
    }
  })

  it('authenticates application endpoints with an API key, email and password headers, or a custom JWT', async () => {
    const bob = await register('bob@example.com')
    const key = (await (
      await fetch(`${server.url}/api/client/v2.0/auth/api_keys`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${bob.refresh_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'endpoint-key' }),
      })
    ).json()) as { key: string }
    const asKey = (await (
      await fetch(endpoint('/echo'), { headers: { apiKey: key.key } })
    ).json()) as Echo
    expect(asKey.user).toBe(bob.user_id)
    const asPassword = (await (
      await fetch(endpoint('/echo'), { headers: { email: bob.email, password: bob.password } })
    ).json()) as Echo
    expect(asPassword.user).toBe(bob.user_id)
    expect(asPassword.headers.Password).toBeUndefined()

    const jwt = await new SignJWT({ email: 'carol@example.com' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('carol-external-id')
      .setAudience('endpoints-app')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_KEY))
    // create_user_on_auth is off for /echo: an identity never seen is refused...
    const unknown = await fetch(endpoint('/echo'), { headers: { jwtTokenString: jwt } })
    expect(unknown.status).toBe(401)
    expect(await unknown.json()).toMatchObject({ error_code: 'AuthError' })
    // ... and on for /echo/new-users, which creates the user; then /echo knows them.
    const created = (await (
      await fetch(endpoint('/echo/new-users'), { headers: { jwtTokenString: jwt } })
    ).json()) as Echo
    expect(created.user).toMatch(/^[0-9a-f]{24}$/)
    const again = (await (
      await fetch(endpoint('/echo'), { headers: { jwtTokenString: jwt } })
    ).json()) as Echo
    expect(again.user).toBe(created.user)
  })

  it('refuses application endpoints without valid credentials, with App Services codes', async () => {
    const none = await fetch(endpoint('/echo'))
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error_code: 'MissingAuthReq' })
    const wrong = await fetch(endpoint('/echo'), {
      headers: { email: 'ada@example.com', password: 'not the password' },
    })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ error_code: 'InvalidPassword' })
    const badToken = await fetch(endpoint('/echo'), { headers: { authorization: 'Bearer x.y.z' } })
    expect(badToken.status).toBe(401)
    const badKey = await fetch(endpoint('/echo'), { headers: { apiKey: 'no-such-key' } })
    expect(badKey.status).toBe(401)
    const both = await fetch(endpoint('/echo'), {
      headers: { apiKey: 'k', email: 'a@b.c', password: 'p' },
    })
    expect(both.status).toBe(400)
  })

  it('reads custom data with fetch_custom_user_data, and writes under the caller’s rules', async () => {
    const dora = await register('dora@example.com')
    await server.store.query(
      `INSERT INTO documents (db, coll, id, doc) VALUES ('app', 'profiles', $1, $2::jsonb)`,
      [
        `"${dora.user_id}"`,
        JSON.stringify({ _id: dora.user_id, userId: dora.user_id, plan: 'pro' }),
      ],
    )
    const echo = (await (
      await fetch(endpoint('/echo'), { headers: { authorization: `Bearer ${dora.access_token}` } })
    ).json()) as Echo
    expect(echo.customData).toMatchObject({ userId: dora.user_id, plan: 'pro' })
    // /echo/new-users does not fetch custom data: {} as App Services.
    const without = (await (
      await fetch(endpoint('/echo/new-users'), {
        headers: { authorization: `Bearer ${dora.access_token}` },
      })
    ).json()) as Echo
    expect(without.customData).toEqual({})

    const own = await fetch(endpoint('/notes'), {
      method: 'POST',
      headers: { authorization: `Bearer ${dora.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ownerId: dora.user_id, title: 'mine' }),
    })
    expect(own.status).toBe(200)
    expect(await own.json()).toEqual({ insertedId: expect.stringMatching(/^[0-9a-f]{24}$/) })
    const someoneElses = await fetch(endpoint('/notes'), {
      method: 'POST',
      headers: { authorization: `Bearer ${dora.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ownerId: 'someone-else', title: 'theirs' }),
    })
    expect(someoneElses.status).toBe(400)
    expect(await someoneElses.json()).toMatchObject({
      error_code: 'FunctionExecutionError',
      error: expect.stringContaining('insert not permitted'),
    })
  })

  it('runs system endpoints without credentials, as the system user', async () => {
    const echo = (await (await fetch(endpoint('/system'))).json()) as Echo
    expect(echo).toMatchObject({ system: true, userType: 'system', method: 'GET' })
    // The Authorization header of a system endpoint is the function's business: passed on.
    const withAuth = (await (
      await fetch(endpoint('/system'), {
        method: 'DELETE',
        headers: { authorization: 'Token abc' },
      })
    ).json()) as Echo
    expect(withAuth.headers.Authorization).toEqual(['Token abc'])
  })

  it('runs user_id endpoints as their user, and script endpoints as the user their script names', async () => {
    // functions/config.json names user 65f0000000000000000000aa, who does not exist yet.
    const missing = await fetch(endpoint('/as-user'))
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({
      error_code: 'UserNotFound',
      error: expect.stringContaining('65f0000000000000000000aa'),
    })
    await server.store.query(
      `INSERT INTO users (id, type, data, created_at) VALUES ('65f0000000000000000000aa', 'normal', '{}', now())`,
    )
    expect(((await (await fetch(endpoint('/as-user'))).json()) as Echo).user).toBe(
      '65f0000000000000000000aa',
    )

    const eve = await register('eve@example.com')
    const byScript = (await (
      await fetch(endpoint('/by-script'), { method: 'POST', headers: { 'x-run-as': eve.user_id } })
    ).json()) as Echo
    expect(byScript).toMatchObject({ user: eve.user_id, system: false })
    const asSystem = (await (
      await fetch(endpoint('/by-script'), { method: 'POST' })
    ).json()) as Echo
    expect(asSystem).toMatchObject({ system: true })
    const nobody = await fetch(endpoint('/by-script'), {
      method: 'POST',
      headers: { 'x-run-as': '65f0000000000000000000bb' },
    })
    expect(nobody.status).toBe(404)
  })

  it('SECRET_AS_QUERY_PARAM: the secret query parameter, never shown to the function', async () => {
    const ok = await fetch(`${endpoint('/secret/query')}?secret=${SECRET}&a=1`, { method: 'POST' })
    expect(ok.status).toBe(200)
    const echo = (await ok.json()) as Echo
    expect(echo.query).toEqual({ a: '1' })
    for (const query of ['', '?secret=wrong', `?secret=${SECRET}x`]) {
      const refused = await fetch(`${endpoint('/secret/query')}${query}`, { method: 'POST' })
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ error_code: 'AuthError' })
    }
  })

  it('VERIFY_PAYLOAD: an Endpoint-Signature of sha256=<HMAC-SHA256 of the body> (data-api/custom-endpoints, Payload Signature)', async () => {
    const body = JSON.stringify({ message: 'Hello!' })
    const signature = createHmac('sha256', SECRET).update(body).digest('hex')
    const ok = await fetch(endpoint('/secret/signed'), {
      method: 'POST',
      headers: { 'Endpoint-Signature': `sha256=${signature}`, 'content-type': 'application/json' },
      body,
    })
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as Echo).body).toBe(body)
    const tampered = await fetch(endpoint('/secret/signed'), {
      method: 'POST',
      headers: { 'Endpoint-Signature': `sha256=${signature}` },
      body: JSON.stringify({ message: 'Hello?' }),
    })
    expect(tampered.status).toBe(401)
    const unsigned = await fetch(endpoint('/secret/signed'), { method: 'POST', body })
    expect(unsigned.status).toBe(401)
  })

  it('disables an endpoint whose secret has no value, naming it at start-up, instead of failing to start', async () => {
    expect((await fetch(endpoint('/secret/unset'), { method: 'POST' })).status).toBe(404)
    const warning = logs.lines.find((line) => String(line.msg).includes('neverSetSecret'))
    expect(warning?.msg).toContain('neverSetSecret (endpoint POST /secret/unset disabled)')
  })

  it('checks can_evaluate with %%request and %%values for every request', async () => {
    const ok = await fetch(endpoint('/guarded'), { headers: { 'x-api-version': '2' } })
    expect(ok.status).toBe(200)
    const refused = await fetch(endpoint('/guarded'), { headers: { 'x-api-version': '1' } })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error_code: 'NoMatchingRuleFound' })
  })

  it('answers what the function set on response: status, headers (set and added), body', async () => {
    const answer = await fetch(`${endpoint('/respond')}?tag=t1`, {
      method: 'POST',
      body: JSON.stringify({ n: 1 }),
    })
    expect(answer.status).toBe(201)
    expect(answer.headers.get('content-type')).toBe('application/json')
    expect(answer.headers.get('x-note')).toBe('one, two')
    expect(await answer.json()).toEqual({ received: { n: 1 }, tag: 't1' })
    // A status alone: with respond_result the return value is the body (convert-webhooks-to-endpoints).
    const status = await fetch(endpoint('/status-only'), { method: 'POST' })
    expect(status.status).toBe(202)
    expect(await status.json()).toEqual({ accepted: true })
  })

  it('answers the return value as JSON or EJSON, by Accept or return_type (Choose a Response Data Format)', async () => {
    const ejson = await (await fetch(endpoint('/types'))).json()
    expect(ejson).toEqual({
      id: { $oid: '65a0000000000000000000ff' },
      when: { $date: { $numberLong: String(Date.UTC(2024, 0, 2, 3, 4, 5)) } },
      count: { $numberInt: '5' },
      big: { $numberLong: '9007199254740993' },
      price: { $numberDecimal: '9.99' },
    })
    const json = await (await fetch(endpoint('/types/json'))).json()
    expect(json).toEqual({
      id: '65a0000000000000000000ff',
      when: '2024-01-02T03:04:05.000Z',
      count: 5,
      big: '9007199254740993',
      price: '9.99',
    })
    const asked = await (
      await fetch(endpoint('/types'), { headers: { accept: 'application/json' } })
    ).json()
    expect(asked).toEqual(json)
    const askedEjson = await (
      await fetch(endpoint('/types/json'), { headers: { accept: 'application/ejson' } })
    ).json()
    expect(askedEjson).toEqual(ejson)
  })

  it('answers 204 without respond_result, 404 for disabled and unknown routes, 405 with Allow for another method', async () => {
    const quiet = await fetch(endpoint('/quiet'), { method: 'POST' })
    expect(quiet.status).toBe(204)
    expect(await quiet.text()).toBe('')
    expect((await fetch(endpoint('/off'))).status).toBe(404)
    const unknown = await fetch(endpoint('/nothing/here'))
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error_code: 'NotFound' })
    const wrongMethod = await fetch(endpoint('/system'), { method: 'PUT' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('GET, DELETE')
    const otherApp = await fetch(`${server.url}/app/other-app/endpoint/system`)
    expect(otherApp.status).toBe(404)
    expect(await otherApp.json()).toMatchObject({ error_code: 'AppNotFound' })
  })

  it('keeps a parameter or header named __proto__ as data', async () => {
    // fetch will not send such a header: write the request by hand.
    const { port } = new URL(server.url)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `GET /app/${APP}/endpoint/system?__proto__=x&a=1 HTTP/1.1\r\nHost: localhost\r\n__proto__: y\r\nConnection: close\r\n\r\n`,
        ),
      )
      let text = ''
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 200/)
    const echo = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Echo
    expect(Object.hasOwn(echo.query, '__proto__')).toBe(true)
    expect(Object.hasOwn(echo.headers, '__proto__')).toBe(true)
    expect(echo.query.a).toBe('1')
  })

  it('answers a function’s error as 400 FunctionExecutionError with its message, never a stack', async () => {
    const answer = await fetch(endpoint('/throws'))
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: 'the endpoint function refused',
      error_code: 'FunctionExecutionError',
    })
  })

  it('answers endpoints before a static site (--static), which keeps its own /app/... pages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'endpoint-site-'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>spa</title>')
    const site = withStaticSite(dir, server.server.fetch)
    const answer = await site(new Request(`http://localhost/app/${APP}/endpoint/system`))
    expect(((await answer.json()) as Echo).system).toBe(true)
    const page = await site(new Request('http://localhost/app/dashboard'))
    expect(await page.text()).toContain('<title>spa</title>')
  })

  it('applies the API body limit and CORS to endpoints', async () => {
    const big = await fetch(endpoint('/system'), {
      method: 'DELETE',
      body: 'x'.repeat(1024 * 1024 + 1),
    })
    expect(big.status).toBe(413)
    const preflight = await fetch(endpoint('/echo'), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'apikey, endpoint-signature',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(preflight.headers.get('access-control-allow-headers')).toContain('apikey')
  })
})

describe.each(testStores())(
  'endpoint credentials and the login rate limit, on $kind',
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({
        appDir: endpointsAppDir,
        storeKind,
        secrets: { endpointSecret: SECRET, endpointsJwtKey: JWT_KEY },
        rateLimits: { login: { burst: 3, limit: 3, windowSeconds: 300 } },
      })
    })
    afterAll(() => server.close())

    it('limits password checks like logins, never a service calling with its API key', async () => {
      const api = `${server.url}/api/client/v2.0/app/${APP}`
      const email = 'limited@example.com'
      const password = 'a long enough password'
      await fetch(`${api}/auth/providers/local-userpass/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
      const keyAnswer = await fetch(`${server.url}/api/client/v2.0/auth/api_keys`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${
            (
              (await (
                await fetch(`${api}/auth/providers/local-userpass/login`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ username: email, password }),
                })
              ).json()) as { refresh_token: string }
            ).refresh_token
          }`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'service' }),
      })
      const { key } = (await keyAnswer.json()) as { key: string }
      const echo = `${server.url}/app/${APP}/endpoint/echo`
      for (let call = 0; call < 6; call += 1) {
        expect((await fetch(echo, { headers: { apiKey: key } })).status).toBe(200)
      }
      const statuses: number[] = []
      for (let call = 0; call < 4; call += 1) {
        statuses.push((await fetch(echo, { headers: { email, password } })).status)
      }
      // The login above took one of the three.
      expect(statuses).toEqual([200, 200, 429, 429])
    })
  },
)
