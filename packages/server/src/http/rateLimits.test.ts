import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { authAppDir, createInProcessServer, type InProcessServer } from '../testUtils'

interface HttpAnswer {
  status: number
  retryAfter: string | undefined
}

describe.each(testStores())('per-IP rate limits on $kind', (storeKind) => {
  let direct: TestServer
  let proxied: TestServer
  let inProcess: InProcessServer
  // Time stands still, so buckets never refill during a test unless the test moves it.
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  const secrets = { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' }

  /** POSTs JSON over a real socket, from a chosen loopback address. */
  const post = (
    server: TestServer,
    path: string,
    options: { from?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const url = new URL(`/api/client/v2.0/app/auth-app-abcde${path}`, server.url)
      const body = JSON.stringify(options.body ?? {})
      const req = httpRequest(
        url,
        {
          method: 'POST',
          localAddress: options.from ?? '127.0.0.1',
          headers: { 'content-type': 'application/json', ...options.headers },
          agent: false,
        },
        (res) => {
          res.resume()
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  // Each login names another address: these tests are about addresses of clients, and one
  // account guessed at 10 times pauses by itself (the per-account backoff, accountBackoff.test.ts).
  let guessed = 0
  const passwordLogin = (server: TestServer, from?: string, headers?: Record<string, string>) =>
    post(server, '/auth/providers/local-userpass/login', {
      ...(from ? { from } : {}),
      ...(headers ? { headers } : {}),
      body: { username: `nobody-${++guessed}@example.com`, password: 'wrong password' },
    })

  beforeAll(async () => {
    direct = await startTestServer({
      appDir: authAppDir,
      storeKind,
      clock,
      secrets,
      rateLimits: {},
    })
    proxied = await startTestServer({
      appDir: authAppDir,
      storeKind,
      clock,
      secrets,
      rateLimits: {},
      trustedProxies: ['127.0.0.1'],
    })
    inProcess = await createInProcessServer(storeKind, {
      appDir: authAppDir,
      clock,
      secrets,
      rateLimits: {},
      shareStore: direct.store,
    })
  })
  afterAll(async () => {
    await inProcess.close()
    await proxied.close()
    await direct.close()
  })

  it('C1: the 31st password login from one IP within the burst is 429 with Retry-After; another IP is unaffected', async () => {
    const answers: HttpAnswer[] = []
    for (let i = 0; i < 31; i++) answers.push(await passwordLogin(direct, '127.0.0.11'))
    expect(answers.slice(0, 30).every((a) => a.status === 401)).toBe(true)
    expect(answers[30]).toEqual({ status: 429, retryAfter: '2' })
    expect((await passwordLogin(direct, '127.0.0.12')).status).toBe(401)
    // The bucket refills at 150 per 5 minutes: after Retry-After, one more is let through.
    now += 2000
    expect((await passwordLogin(direct, '127.0.0.11')).status).toBe(401)
    expect((await passwordLogin(direct, '127.0.0.11')).status).toBe(429)
  })

  it('C2: a spoofed X-Forwarded-For without a trusted proxy changes nothing: the socket address is limited', async () => {
    for (let i = 0; i < 30; i++) {
      await passwordLogin(direct, '127.0.0.21', { 'x-forwarded-for': `10.0.0.${i}` })
    }
    const spoofed = await passwordLogin(direct, '127.0.0.21', { 'x-forwarded-for': '10.9.9.9' })
    expect(spoofed.status).toBe(429)
  })

  it('C2: behind a trusted proxy, the rightmost untrusted X-Forwarded-For entry is the client', async () => {
    for (let i = 0; i < 30; i++) {
      // The leftmost entry is whatever the client claimed; it must not buy a fresh bucket.
      await passwordLogin(proxied, '127.0.0.1', { 'x-forwarded-for': `6.6.6.${i}, 192.0.2.1` })
    }
    expect(
      (await passwordLogin(proxied, '127.0.0.1', { 'x-forwarded-for': '6.6.6.99, 192.0.2.1' }))
        .status,
    ).toBe(429)
    expect(
      (await passwordLogin(proxied, '127.0.0.1', { 'x-forwarded-for': '192.0.2.2' })).status,
    ).toBe(401)
    // A proxy that is not trusted is itself the client.
    expect(
      (await passwordLogin(proxied, '127.0.0.31', { 'x-forwarded-for': '192.0.2.1' })).status,
    ).toBe(401)
  })

  it('C4: IPv6 clients are counted per /64, however they write their address', async () => {
    const from = (address: string) =>
      passwordLogin(proxied, '127.0.0.1', { 'x-forwarded-for': address })
    for (let i = 0; i < 30; i++) {
      expect((await from(`2001:db8:aa:1::${(i + 1).toString(16)}`)).status).toBe(401)
    }
    // The same /64 written in full, or in capitals: one bucket.
    expect((await from('2001:0db8:00aa:0001:ffff:1:2:3')).status).toBe(429)
    expect((await from('2001:DB8:AA:1::beef')).status).toBe(429)
    // The neighbouring /64 has its own bucket.
    expect((await from('2001:db8:aa:2::1')).status).toBe(401)
  })

  it('C3: requests with no known address share one "unknown" bucket, never unlimited', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) {
      statuses.push(
        (
          await inProcess.provider('local-userpass', 'login', {
            username: `x-${i}@example.com`,
            password: 'wrong password',
          })
        ).status,
      )
    }
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true)
    expect(statuses[30]).toBe(429)
  })

  it('C5: two simultaneous requests competing for the last token: exactly one passes', async () => {
    for (let i = 0; i < 29; i++) await passwordLogin(direct, '127.0.0.41')
    const pair = await Promise.all([
      passwordLogin(direct, '127.0.0.41'),
      passwordLogin(direct, '127.0.0.41'),
    ])
    expect(pair.map((a) => a.status).sort()).toEqual([401, 429])
  })

  it('C8: the 31st anonymous sign-up from one IP within the hour is 429; the next one after the refill passes', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) {
      statuses.push(
        (await post(direct, '/auth/providers/anon-user/login', { from: '127.0.0.51' })).status,
      )
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200))
    const limited = await post(direct, '/auth/providers/anon-user/login', { from: '127.0.0.51' })
    expect(limited).toEqual({ status: 429, retryAfter: '120' })
    now += 120_000
    expect(
      (await post(direct, '/auth/providers/anon-user/login', { from: '127.0.0.51' })).status,
    ).toBe(200)
  })

  it('limits registrations too, per IP', async () => {
    for (let i = 0; i < 30; i++) {
      await post(direct, '/auth/providers/local-userpass/register', {
        from: '127.0.0.61',
        body: { email: `r${i}@example.com`, password: 'good password' },
      })
    }
    const registration = await post(direct, '/auth/providers/local-userpass/register', {
      from: '127.0.0.61',
      body: { email: 'r-last@example.com', password: 'good password' },
    })
    expect(registration.status).toBe(429)
  })
})
