import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { authAppDir, createCapturingMailer, tokenOfLink } from '../testUtils'
import { cleanupExpired } from './cleanupExpired'
import { reserveLoginAttempt, DEFAULT_ACCOUNT_BACKOFF } from './accountBackoff'

const APP = '/api/client/v2.0/app/auth-app-abcde/auth/providers/local-userpass'
const PASSWORD = 'the right password'

describe.each(testStores())('per-account backoff on failed password logins on $kind', (kind) => {
  let server: TestServer
  const mailer = createCapturingMailer()
  // Time stands still unless a test moves it.
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  let seq = 0
  const newEmail = () => `backoff-${++seq}@example.com`

  /** A POST through the trusted proxy, from the client address `from`. */
  const post = async (action: string, body: unknown, from: string) => {
    const response = await fetch(`${server.url}${APP}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify(body),
    })
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json().catch(() => null)) as { error?: string } | null,
    }
  }
  const logIn = (username: string, password: string, from: string) =>
    post('login', { username, password }, from)
  const confirmedUser = async (email: string) => {
    expect((await post('register', { email, password: PASSWORD }, '192.0.2.200')).status).toBe(201)
    const mail = mailer.sent.filter((sent) => sent.to === email).at(-1)
    expect((await post('confirm', tokenOfLink(mail?.link), '192.0.2.200')).status).toBe(201)
  }
  /** Ten wrong passwords, each from another address, as a distributed guesser sends them. */
  const tenFailures = async (email: string) => {
    for (let i = 0; i < 10; i++) {
      expect((await logIn(email, `wrong guess ${i}`, `198.51.100.${i}`)).status).toBe(401)
    }
  }

  beforeAll(async () => {
    server = await startTestServer({
      appDir: authAppDir,
      storeKind: kind,
      clock,
      mailer,
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
      rateLimits: {},
      trustedProxies: ['127.0.0.1'],
    })
  })
  afterAll(() => server.close())

  it('C6: ten failed logins from ten addresses pause the account: 1 s, doubling, the right password refused meanwhile', async () => {
    const email = newEmail()
    await confirmedUser(email)
    await tenFailures(email)
    // The right password, from an address never seen: refused like any guess, no oracle.
    const paused = await logIn(email, PASSWORD, '203.0.113.1')
    expect(paused).toMatchObject({ status: 429, retryAfter: '1' })
    expect(paused.body?.error).toBe('too many failed logins for this account; try again in 1 s')
    // Another address case counts as the same account.
    expect((await logIn(email.toUpperCase(), PASSWORD, '203.0.113.2')).status).toBe(429)

    now += 1000
    expect((await logIn(email, 'wrong guess 11', '198.51.100.11')).status).toBe(401)
    expect(await logIn(email, PASSWORD, '203.0.113.3')).toMatchObject({
      status: 429,
      retryAfter: '2',
    })
    now += 2000
    expect((await logIn(email, 'wrong guess 12', '198.51.100.12')).status).toBe(401)
    expect((await logIn(email, PASSWORD, '203.0.113.4')).retryAfter).toBe('4')
    now += 4000
    expect((await logIn(email, PASSWORD, '203.0.113.5')).status).toBe(200)
  })

  /** Counts the password checks the server makes (real and dummy), from now on. */
  const countChecks = () => {
    const passwords = server.server.context.passwords
    const originals = { ...passwords }
    const counter = { checks: 0 }
    passwords.verify = async (...args) => {
      counter.checks += 1
      return originals.verify(...args)
    }
    passwords.verifyDummy = async (...args) => {
      counter.checks += 1
      return originals.verifyDummy(...args)
    }
    return {
      counter,
      restore: () => {
        Object.assign(passwords, originals)
      },
    }
  }

  it('C6: the right password sent while 199 guesses from 199 addresses are in flight is refused: 10 guesses checked, the rest and it refused', async () => {
    const email = newEmail()
    await confirmedUser(email)
    const { counter, restore } = countChecks()
    try {
      const guesses = Array.from({ length: 199 }, (_, i) =>
        logIn(email, `parallel guess ${i}`, `198.51.${100 + Math.floor(i / 200)}.${i % 200}`),
      )
      // The right one, while the guesses are in flight: once the allowance is taken.
      await vi.waitFor(
        async () => {
          const [row] = await server.store.query<{ failures: number }>(
            'SELECT failures FROM login_failures WHERE account_key = $1',
            [email],
          )
          expect(Number(row?.failures)).toBeGreaterThanOrEqual(10)
        },
        { timeout: 20_000, interval: 5 },
      )
      const right = await logIn(email, PASSWORD, '203.0.113.99')
      const statuses = (await Promise.all(guesses)).map((answer) => answer.status)
      expect(statuses.filter((status) => status === 401)).toHaveLength(10)
      expect(statuses.filter((status) => status === 429)).toHaveLength(189)
      expect(counter.checks).toBe(10)
      expect(right).toMatchObject({ status: 429, retryAfter: '1' })
    } finally {
      restore()
    }
    now += 1000
  })

  it('C6: parallel guesses walk past the per-account backoff: of 199 wrong passwords and the right one sent at once from 200 addresses, at most 10 are checked; the right one logs in only if it was one of them', async () => {
    const email = newEmail()
    await confirmedUser(email)
    const { counter, restore } = countChecks()
    try {
      const answers = await Promise.all([
        ...Array.from({ length: 100 }, (_, i) => logIn(email, `guess ${i}`, `198.51.100.${i}`)),
        logIn(email, PASSWORD, '203.0.113.98'),
        ...Array.from({ length: 99 }, (_, i) =>
          logIn(email, `guess ${100 + i}`, `198.51.101.${i}`),
        ),
      ])
      expect(counter.checks).toBeLessThanOrEqual(10)
      const checked = answers.filter((answer) => answer.status !== 429)
      expect(checked.length).toBeLessThanOrEqual(10)
      // The right one either was one of them (and logged in) or was refused like the rest.
      expect([200, 429]).toContain(answers[100]?.status)
    } finally {
      restore()
    }
    now += 60_000
  })

  it('C6: sequentially, exactly 10 guesses are checked before the pause, not 11', async () => {
    const email = newEmail()
    await confirmedUser(email)
    const { counter, restore } = countChecks()
    try {
      const statuses: number[] = []
      for (let i = 0; i < 15; i++) {
        statuses.push((await logIn(email, `sequential guess ${i}`, `198.51.102.${i}`)).status)
      }
      expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(5).fill(429)])
      expect(counter.checks).toBe(10)
    } finally {
      restore()
    }
    now += 1000
  })

  it('C6: the pause never passes 15 minutes', async () => {
    const email = newEmail()
    await confirmedUser(email)
    await tenFailures(email)
    for (let i = 0; i < 12; i++) {
      now += 15 * 60 * 1000
      expect((await logIn(email, `late guess ${i}`, `198.51.100.${20 + i}`)).status).toBe(401)
    }
    expect((await logIn(email, PASSWORD, '203.0.113.6')).retryAfter).toBe('900')
    now += 15 * 60 * 1000
    expect((await logIn(email, PASSWORD, '203.0.113.7')).status).toBe(200)
  })

  it('C6: an unknown address pauses exactly like an account, so a pause tells no one it exists', async () => {
    const unknown = newEmail()
    await tenFailures(unknown)
    expect(await logIn(unknown, PASSWORD, '203.0.113.8')).toMatchObject({
      status: 429,
      retryAfter: '1',
    })
    now += 1000
  })

  it('C7: a successful login resets the count', async () => {
    const email = newEmail()
    await confirmedUser(email)
    for (let i = 0; i < 9; i++) await logIn(email, `wrong ${i}`, `198.51.100.${40 + i}`)
    expect((await logIn(email, PASSWORD, '203.0.113.9')).status).toBe(200)
    // Nine more failures: still under the threshold, because the count started again.
    for (let i = 0; i < 9; i++) await logIn(email, `wrong again ${i}`, `198.51.100.${60 + i}`)
    expect((await logIn(email, PASSWORD, '203.0.113.10')).status).toBe(200)
  })

  it('C7: a password reset resets the count and ends the pause', async () => {
    const email = newEmail()
    await confirmedUser(email)
    await tenFailures(email)
    expect((await logIn(email, PASSWORD, '203.0.113.11')).status).toBe(429)
    expect((await post('reset/send', { email }, '192.0.2.201')).status).toBe(201)
    const mail = mailer.sent.filter((sent) => sent.to === email).at(-1)
    const newPassword = 'a brand new password'
    const reset = await post(
      'reset',
      { ...tokenOfLink(mail?.link), password: newPassword },
      '192.0.2.201',
    )
    expect(reset.status).toBe(201)
    expect((await logIn(email, newPassword, '203.0.113.12')).status).toBe(200)
  })

  it('failures are forgotten after 12 hours, and housekeeping deletes day-old counts', async () => {
    const email = newEmail()
    await confirmedUser(email)
    for (let i = 0; i < 9; i++) await logIn(email, `wrong ${i}`, `198.51.100.${80 + i}`)
    now += DEFAULT_ACCOUNT_BACKOFF.forgetAfterMs + 1
    // The tenth failure is the first of a new count: no pause.
    expect((await logIn(email, 'wrong once more', '198.51.100.90')).status).toBe(401)
    expect((await logIn(email, PASSWORD, '203.0.113.13')).status).toBe(200)

    const rows = (key: string) =>
      server.store.query('SELECT 1 FROM login_failures WHERE account_key = $1', [key])
    await reserveLoginAttempt(server.store, 'old@example.com', {
      clock,
      rules: DEFAULT_ACCOUNT_BACKOFF,
    })
    now += 25 * 60 * 60 * 1000
    await reserveLoginAttempt(server.store, 'recent@example.com', {
      clock,
      rules: DEFAULT_ACCOUNT_BACKOFF,
    })
    await cleanupExpired(server.store, clock)
    expect(await rows('old@example.com')).toHaveLength(0)
    expect(await rows('recent@example.com')).toHaveLength(1)
  })
})
