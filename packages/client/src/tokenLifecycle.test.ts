import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { App, type AppConfiguration } from './App'
import { isApiError } from './ApiError'
import { Credentials } from './Credentials'
import type { User } from './User'
import { createMemoryStorage } from './storage'
import {
  clientAppDir,
  fullStorage,
  sharedMemoryStorage,
  shiftableClock,
  sleep,
  startFakeServer,
  unsignedToken,
} from './testUtils'

const API = '/api/client/v2.0'
const CALL = `POST ${API}/app/client-app/functions/call`
const REFRESH = `POST ${API}/auth/session`

/**
 * A fetch that lets the real server answer the refresh (`POST /auth/session`) but hands the
 * answer over only on `deliver()`: a slow network, so that something can happen in between.
 */
const slowRefreshAnswers = () => {
  let answered: () => void = () => undefined
  let deliver: () => void = () => undefined
  const serverAnswered = new Promise<void>((resolve) => (answered = resolve))
  const delivered = new Promise<void>((resolve) => (deliver = resolve))
  const slow: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    const url = input instanceof Request ? input.url : input.toString()
    if (init?.method === 'POST' && url.endsWith('/auth/session')) {
      answered()
      await delivered
    }
    return response
  }
  return { fetch: slow, serverAnswered, deliver }
}

describe.each(testStores())('the token lifecycle against the real server on $kind', (storeKind) => {
  let server: TestServer
  // One-second access tokens: "expired" is a second away. The server's clock moves on demand.
  const clock = shiftableClock()
  beforeAll(async () => {
    server = await startTestServer({
      appDir: clientAppDir,
      storeKind,
      clock,
      accessTokenLifetime: 1,
    })
  })
  afterAll(() => server.close())
  beforeEach(() => {
    clock.offset = 0
    server.requests.length = 0
  })

  const newApp = (options: Partial<AppConfiguration> = {}) =>
    new App({
      id: 'client-app',
      baseUrl: server.url,
      storage: createMemoryStorage(),
      skipLocationRequest: true,
      ...options,
    })
  const logIn = async (options: Partial<AppConfiguration> = {}) => {
    const user = await newApp(options).logIn(Credentials.anonymous())
    server.requests.length = 0
    return user
  }

  it('H11: expiry is the receipt time plus the token lifetime, whatever the clocks say', async () => {
    clock.offset = -600_000
    const app = newApp()
    const before = Date.now()
    const user = await app.logIn(Credentials.anonymous())
    const expiresAt = app.store.getState().users[user.id]?.accessTokenExpiresAt ?? 0
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1000)
  })

  it('H3: requests that find the token due share one refresh, then go out', async () => {
    const user = await logIn()
    await sleep(1000)
    const results = await Promise.all([user.callFunction('echo', 1), user.callFunction('echo', 2)])
    expect(results).toEqual([[1], [2]])
    expect(server.requests).toEqual([REFRESH, CALL, CALL])
  })

  it('ten concurrent calls with an expired access token cost 11 requests', async () => {
    const user = await logIn()
    await sleep(1000)
    // Far past the server's leeway too: the old token would be refused.
    clock.offset = 120_000
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => user.callFunction('echo', index)),
    )
    expect(results).toEqual(Array.from({ length: 10 }, (_, index) => [index]))
    expect(server.requests.filter((request) => request === REFRESH)).toHaveLength(1)
    expect(server.requests).toHaveLength(11)
  })

  it('a token the server refuses early is refreshed once and the call retried once', async () => {
    const user = await logIn()
    // The client still thinks the token fresh; the server's clock says otherwise.
    clock.offset = 120_000
    await expect(user.callFunction('echo', 'x')).resolves.toEqual(['x'])
    expect(server.requests).toEqual([CALL, REFRESH, CALL])
  })

  it('H6: a refresh answered with 401 logs the user out, tells subscribers, and says why', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    // The session ends elsewhere (another device logged it out).
    await fetch(`${server.url}${API}/auth/session`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${user.refreshToken}` },
    })
    const seen: (string | null)[] = []
    app.store.subscribe((state) => seen.push(state.currentUserId))
    server.requests.length = 0
    const error: unknown = await user.refreshCustomData().catch((e: unknown) => e)
    expect(isApiError(error) && error.errorCode).toBe('InvalidSession')
    expect((error as Error).message).toMatch(
      new RegExp(`^The server ended the session of user ${user.id} \\(.+\\); log in again$`),
    )
    expect(user.state).toBe('logged-out')
    expect(seen).toEqual([null])
    expect(server.requests).toEqual([REFRESH])
  })

  it('write then see: two requests against a server without X-Refreshed-Access-Token', async () => {
    const plain = await startTestServer({
      appDir: clientAppDir,
      storeKind,
      refreshedTokenHeader: false,
    })
    try {
      const app = new App({ id: 'client-app', baseUrl: plain.url, storage: createMemoryStorage() })
      const user = await app.logIn(Credentials.anonymous())
      plain.requests.length = 0
      await user.functions.writeCustomUserData!({ favoriteFood: 'soup' })
      expect(user.customData).toEqual({})
      await user.refreshCustomData()
      expect(user.customData).toMatchObject({ favoriteFood: 'soup' })
      expect(plain.requests).toEqual([CALL, REFRESH])
    } finally {
      await plain.close()
    }
  })

  it('custom data the server left out of the token for its size is an error, not {}', async () => {
    // A document written under a larger cap, served after the cap was lowered: the server
    // leaves it out of the token (docs/protocol.md §17.4).
    const storage = createMemoryStorage()
    const user = await newApp({ storage }).logIn(Credentials.anonymous())
    await user.functions.writeCustomUserData!({ notes: 'x'.repeat(500) })
    const lowered = await startTestServer({
      appDir: clientAppDir,
      storeKind: {
        kind: storeKind.kind,
        open: () => Promise.resolve({ ...server.store, close: () => Promise.resolve() }),
      },
      customDataMaxBytes: 200,
    })
    try {
      const app = new App({ id: 'client-app', baseUrl: lowered.url, storage })
      const same = app.currentUser!
      await expect(same.refreshCustomData()).rejects.toMatchObject({
        name: 'ApiError',
        errorCode: 'CustomDataOmitted',
      })
      expect(() => same.customData).toThrow(/too large|over the size cap/)
    } finally {
      await lowered.close()
    }
  })

  it('a refresh answered after a logout does not log the user back in', async () => {
    const slow = slowRefreshAnswers()
    const app = newApp({ fetch: slow.fetch })
    const user = await app.logIn(Credentials.anonymous())
    const refreshing = user.refreshCustomData().catch((error: unknown) => error)
    // The server rotated the session and answered; the answer is still on its way.
    await slow.serverAnswered
    await user.logOut()
    slow.deliver()
    expect(await refreshing).toMatchObject({ name: 'ApiError', errorCode: 'InvalidSession' })
    expect(user.state).toBe('logged-out')
    expect(user.accessToken).toBeNull()
    expect(app.currentUser).toBeNull()
  })

  it('a refresh answered after a write keeps the newer token the write sent along (§17.3)', async () => {
    // Access tokens of the default lifetime: with this suite's one-second tokens, a busy machine
    // let the login's token expire before the write, whose sent-along token (its expiry capped
    // at the presented one's) was then rightly refused.
    const relaxed = await startTestServer({ appDir: clientAppDir, storeKind })
    try {
      const slow = slowRefreshAnswers()
      const app = new App({
        id: 'client-app',
        baseUrl: relaxed.url,
        storage: createMemoryStorage(),
        skipLocationRequest: true,
        fetch: slow.fetch,
      })
      const user = await app.logIn(Credentials.anonymous())
      relaxed.requests.length = 0
      const refreshing = user.refreshCustomData()
      // The server rotated the session and answered, with custom data from before the write.
      await slow.serverAnswered
      await user.functions.writeCustomUserData!({ favoriteFood: 'soup' })
      const written = user.accessToken
      expect(user.customData).toMatchObject({ favoriteFood: 'soup' })
      slow.deliver()
      expect(await refreshing).toMatchObject({ favoriteFood: 'soup' })
      expect(user.accessToken).toBe(written)
      // The rotated refresh token is adopted all the same: the next refresh works.
      await expect(user.refreshCustomData()).resolves.toMatchObject({ favoriteFood: 'soup' })
      expect(relaxed.requests).toEqual([REFRESH, CALL, REFRESH])
    } finally {
      await relaxed.close()
    }
  })

  it('an API-key request that meets a rotation in flight waits for it and goes through', async () => {
    const slow = slowRefreshAnswers()
    const user = await logIn({ fetch: slow.fetch })
    const refreshing = user.refreshAccessToken()
    // The server rotated the refresh token; its answer, with the new one, is on its way.
    await slow.serverAnswered
    const listing = user.apiKeys.fetchAll()
    await sleep(50)
    slow.deliver()
    await refreshing
    await expect(listing).resolves.toEqual([])
    expect(user.state).toBe('active')
  })

  it("an API-key request in one tab during another tab's rotation goes through, no logout", async () => {
    const storage = sharedMemoryStorage()
    const slow = slowRefreshAnswers()
    const tabA = newApp({ storage, fetch: slow.fetch })
    const user = await tabA.logIn(Credentials.anonymous())
    const tabB = newApp({ storage })
    const refreshing = user.refreshAccessToken()
    await slow.serverAnswered
    const listing = tabB.currentUser!.apiKeys.fetchAll()
    await sleep(50)
    slow.deliver()
    await refreshing
    await expect(listing).resolves.toEqual([])
    expect([user.state, tabB.currentUser?.state]).toEqual(['active', 'active'])
  })

  it('an API-key request of a session the server ended logs the user out, after one refresh', async () => {
    const user = await logIn()
    // The session ends on the server behind this client's back (a revocation, a logout elsewhere).
    await fetch(`${server.url}${API}/auth/session`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${user.refreshToken}` },
    })
    server.requests.length = 0
    await expect(user.apiKeys.fetchAll()).rejects.toMatchObject({ errorCode: 'InvalidSession' })
    expect(user.state).toBe('logged-out')
    expect(server.requests).toEqual([`GET ${API}/auth/api_keys`, REFRESH])
  })

  it('a token sent along that expired before it was signed is not adopted; the held one comes due', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    const held = user.accessToken
    // The server's clock passes the token's expiry while the call runs (within its leeway): the
    // token it sends along has iat now and exp capped at the old token's (§17.3).
    clock.offset = 5_000
    await user.functions.writeCustomUserData!({ favoriteFood: 'soup' })
    expect(user.accessToken).toBe(held)
    expect(app.store.getState().users[user.id]?.accessTokenExpiresAt).toEqual(expect.any(Number))
    server.requests.length = 0
    await sleep(1_000)
    await user.callFunction('echo')
    expect(server.requests).toEqual([REFRESH, CALL])
    expect(user.customData).toMatchObject({ favoriteFood: 'soup' })
  })

  it('a logout in one tab while another tab rotates the token ends the session in both', async () => {
    const storage = sharedMemoryStorage()
    const slow = slowRefreshAnswers()
    const tabA = newApp({ storage })
    const user = await tabA.logIn(Credentials.anonymous())
    const tabB = newApp({ storage, fetch: slow.fetch })
    const held = new Set<string>()
    tabB.store.subscribe(({ users }) => void held.add(users[user.id]?.refreshToken ?? ''))
    const refreshing = tabB.currentUser!.refreshAccessToken().catch((error: unknown) => error)
    await slow.serverAnswered
    // The logout goes out at once (the server ends the session whichever of its tokens comes).
    await user.logOut()
    await sleep(50)
    slow.deliver()
    // Tab B heard of the logout first: its late answer does not bring the session back.
    expect(await refreshing).toMatchObject({ errorCode: 'InvalidSession' })
    await sleep(50)
    expect([user.state, tabB.allUsers[user.id]?.state]).toEqual(['logged-out', 'logged-out'])
    // The logout ended the session the refresh rotated it to: no token of it works any more.
    for (const token of [...held].filter(Boolean)) {
      const refused = await fetch(`${server.url}${API}/auth/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      expect(refused.status).toBe(401)
    }
  })

  it('a logout behind a slow refresh goes out at once and ends only the session it was called on', async () => {
    const slow = slowRefreshAnswers()
    const app = newApp({ fetch: slow.fetch })
    const credentials = Credentials.function({ username: `u-${Date.now()}`, pin: 1234 })
    const user = await app.logIn(credentials)
    const refreshing = user.refreshAccessToken().catch((error: unknown) => error)
    await slow.serverAnswered
    const started = Date.now()
    await user.logOut()
    expect(Date.now() - started).toBeLessThan(1_000)
    // Logged in again before the refresh answer arrives: that answer must not touch it.
    await app.logIn(credentials)
    const session = user.refreshToken
    slow.deliver()
    await refreshing
    expect([user.state, user.refreshToken]).toEqual(['active', session])
  })

  it('a full storage that still holds the token from before a write does not undo the write', async () => {
    let full = false
    const storage = fullStorage(sharedMemoryStorage(), () => full)
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const user = await newApp({ storage }).logIn(Credentials.anonymous())
    full = true
    await user.functions.writeCustomUserData!({ favoriteFood: 'soup' })
    server.requests.length = 0
    await expect(user.refreshCustomData()).resolves.toMatchObject({ favoriteFood: 'soup' })
    expect(server.requests).toEqual([REFRESH])
  })

  describe('the device clock steps back a minute (an NTP correction, a VM resumed)', () => {
    const stepDeviceClockBack = () => {
      const real = Date.now.bind(Date)
      vi.spyOn(Date, 'now').mockImplementation(() => real() - 60_000)
      clock.offset = 60_000
    }
    afterEach(() => vi.restoreAllMocks())

    it('the other tab still takes the rotated refresh token, and a logout', async () => {
      const storage = sharedMemoryStorage()
      const user = await newApp({ storage }).logIn(Credentials.anonymous())
      const tabB = newApp({ storage })
      stepDeviceClockBack()
      await user.refreshAccessToken()
      await sleep(100)
      expect(tabB.currentUser?.refreshToken).toBe(user.refreshToken)
      await user.logOut()
      await sleep(100)
      expect(tabB.allUsers[user.id]?.state).toBe('logged-out')
    })

    it('a login after the step replaces the older session in the other tab', async () => {
      const storage = sharedMemoryStorage()
      const credentials = Credentials.function({ username: `clock-${Date.now()}`, pin: 1234 })
      const tabA = newApp({ storage })
      const user = await tabA.logIn(credentials)
      const tabB = newApp({ storage })
      await user.logOut()
      stepDeviceClockBack()
      await tabA.logIn(credentials)
      await sleep(100)
      expect(tabB.currentUser?.refreshToken).toBe(user.refreshToken)
    })
  })

  it('H5: without navigator.locks, two apps on shared storage refresh once at expiry, no logout', async () => {
    const storage = sharedMemoryStorage()
    const tabA = newApp({ storage })
    const user = await tabA.logIn(Credentials.anonymous())
    const tabB = newApp({ storage })
    expect(tabB.currentUser?.id).toBe(user.id)
    await sleep(1000)
    server.requests.length = 0
    const [a, b] = await Promise.all([
      tabA.currentUser!.callFunction('echo', 'a'),
      tabB.currentUser!.callFunction('echo', 'b'),
    ])
    expect([a, b]).toEqual([['a'], ['b']])
    expect(server.requests.filter((request) => request === REFRESH)).toHaveLength(1)
    await vi.waitFor(() =>
      expect(tabB.currentUser?.refreshToken).toBe(tabA.currentUser?.refreshToken),
    )
    expect(tabA.currentUser?.state).toBe('active')
  })

  it('background refresh: the current user is refreshed ahead of expiry, without a loop', async () => {
    const app = newApp({ autoRefresh: true })
    const user = await app.logIn(Credentials.anonymous())
    const first = user.accessToken
    server.requests.length = 0
    await vi.waitFor(() => expect(user.accessToken).not.toBe(first), { timeout: 2000 })
    const refreshesAfterOne = server.requests.length
    expect(refreshesAfterOne).toBe(1)
    await sleep(1500)
    // About one refresh per token lifetime (1 s here, minus a jittered margin), never a storm.
    expect(server.requests.length).toBeLessThanOrEqual(3)
    expect(server.requests.every((request) => request === REFRESH)).toBe(true)
    await user.logOut()
    const afterLogout = server.requests.length
    await sleep(1200)
    expect(server.requests.length).toBe(afterLogout)
  })
  it('background refresh: one that failed for the network is tried again, not given up', async () => {
    // The network is down for refreshes (a failure the real server cannot produce): the
    // transport's own retries give up, and the background refresh must try again later.
    let offline = false
    let failedAttempts = 0
    const flaky: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : input.toString()
      if (offline && url.endsWith('/auth/session')) {
        failedAttempts++
        throw new TypeError('fetch failed')
      }
      return fetch(input, init)
    }
    const user = await logIn({ autoRefresh: true, fetch: flaky })
    const first = user.accessToken
    offline = true
    // More attempts than one request's retries (4): the background refresh came back.
    await vi.waitFor(() => expect(failedAttempts).toBeGreaterThan(4), { timeout: 12_000 })
    expect(user.accessToken).toBe(first)
    offline = false
    await vi.waitFor(() => expect(user.accessToken).not.toBe(first), { timeout: 8000 })
    expect(server.requests).toContain(REFRESH)
    await user.logOut()
  }, 25_000)
})

describe('H11: a device clock that is off does not matter', () => {
  let server: TestServer
  const clock = shiftableClock()
  beforeAll(async () => {
    // Three-second tokens from a server whose clock is set by each test.
    server = await startTestServer({ appDir: clientAppDir, clock, accessTokenLifetime: 3 })
  })
  afterAll(() => server.close())
  // Background refreshes stop once the user is logged out, so no test counts another's requests.
  const users: User[] = []
  afterEach(async () => {
    await Promise.all(users.splice(0).map((user) => user.logOut()))
  })

  const logIn = async (offset: number) => {
    clock.offset = offset
    const app = new App({
      id: 'client-app',
      baseUrl: server.url,
      storage: createMemoryStorage(),
      skipLocationRequest: true,
      autoRefresh: true,
    })
    const user = await app.logIn(Credentials.anonymous())
    users.push(user)
    server.requests.length = 0
    return user
  }

  it('H11: ten minutes ahead of the server, the client neither loops nor refreshes early', async () => {
    const user = await logIn(-600_000)
    // By the device clock the token expired ten minutes ago; by its lifetime it is fresh.
    for (let i = 0; i < 4; i++) {
      await user.callFunction('echo', i)
      await sleep(300)
    }
    expect(server.requests).toEqual([CALL, CALL, CALL, CALL])
    // Within its last tenth (0.3 s) to two tenths, the background refresh runs once.
    await vi.waitFor(() => expect(server.requests).toContain(REFRESH), { timeout: 3000 })
    await sleep(500)
    expect(server.requests.filter((request) => request === REFRESH)).toHaveLength(1)
  })

  it('H11: ten minutes behind the server, the client still refreshes on time', async () => {
    const user = await logIn(600_000)
    const first = user.accessToken
    // By the device clock the token has ten more minutes; by its lifetime it is due in ~2.5 s.
    await vi.waitFor(() => expect(user.accessToken).not.toBe(first), { timeout: 3500 })
    expect(server.requests).toEqual([REFRESH])
  })
})

describe('failures the real server cannot produce', () => {
  afterEach(() => vi.restoreAllMocks())

  const fakeLogin = { status: 200 }
  const loginAnswer = (userId: string) => ({
    access_token: unsignedToken({ sub: userId }),
    refresh_token: 'refresh',
    user_id: userId,
    device_id: '000000000000000000000000',
    profile: { type: 'normal', identities: [{ id: 'i', provider_type: 'anon-user' }], data: {} },
  })
  const invalidSession = {
    status: 401,
    body: { error: 'invalid session', error_code: 'InvalidSession' },
  }

  it('a login or refresh answered with a token that is not a JWT fails with ApiError, leaving the session as it was', async () => {
    let token = 'not-a-jwt'
    const fake = await startFakeServer(({ path }) => ({
      status: 200,
      body: path.endsWith('/login')
        ? { ...loginAnswer('u1'), access_token: token }
        : { access_token: 'eyJub3QiOiJjbGFpbXMifQ.e30.x' },
    }))
    try {
      const app = new App({ id: 'a', baseUrl: fake.url, skipLocationRequest: true })
      await expect(app.logIn(Credentials.anonymous())).rejects.toMatchObject({
        name: 'ApiError',
        errorCode: 'InvalidResponse',
      })
      expect(app.currentUser).toBeNull()
      token = loginAnswer('u1').access_token
      const user = await app.logIn(Credentials.anonymous())
      await expect(user.refreshAccessToken()).rejects.toMatchObject({
        errorCode: 'InvalidResponse',
      })
      expect([user.state, user.accessToken]).toEqual(['active', token])
    } finally {
      await fake.close()
    }
  })

  it('a server that always answers 401 InvalidSession costs 2 requests per call, then a clear error, and no loop', async () => {
    const fake = await startFakeServer(({ path }) =>
      path.endsWith('/login') ? { ...fakeLogin, body: loginAnswer('u1') } : invalidSession,
    )
    try {
      const app = new App({ id: 'a', baseUrl: fake.url, skipLocationRequest: true })
      const user = await app.logIn(Credentials.anonymous())
      fake.requests.length = 0
      const error: unknown = await user.callFunction('f').catch((e: unknown) => e)
      expect(fake.requests).toEqual([`POST ${API}/app/a/functions/call`, REFRESH])
      expect(error).toMatchObject({ name: 'ApiError', status: 401, errorCode: 'InvalidSession' })
      expect(user.state).toBe('logged-out')
      await sleep(300)
      expect(fake.requests).toHaveLength(2)
    } finally {
      await fake.close()
    }
  })

  it('a server that refreshes but refuses every call costs 3 requests per call, then the error', async () => {
    const fake = await startFakeServer(({ path }) => {
      if (path.endsWith('/login')) return { ...fakeLogin, body: loginAnswer('u1') }
      if (path === `${API}/auth/session`)
        return { status: 201, body: { access_token: unsignedToken({ sub: 'u1' }) } }
      return invalidSession
    })
    try {
      const app = new App({ id: 'a', baseUrl: fake.url, skipLocationRequest: true })
      const user = await app.logIn(Credentials.anonymous())
      fake.requests.length = 0
      await expect(user.callFunction('f')).rejects.toMatchObject({ errorCode: 'InvalidSession' })
      expect(fake.requests).toEqual([
        `POST ${API}/app/a/functions/call`,
        REFRESH,
        `POST ${API}/app/a/functions/call`,
      ])
      expect(user.state).toBe('active')
      await sleep(300)
      expect(fake.requests).toHaveLength(3)
    } finally {
      await fake.close()
    }
  })

  it('a refresh refused after the user logged in again leaves the new session alone', async () => {
    let logins = 0
    const fake = await startFakeServer(({ path }) =>
      path.endsWith('/login')
        ? { ...fakeLogin, body: { ...loginAnswer('u1'), refresh_token: `refresh-${++logins}` } }
        : invalidSession,
    )
    try {
      const slow = slowRefreshAnswers()
      const app = new App({
        id: 'a',
        baseUrl: fake.url,
        skipLocationRequest: true,
        fetch: slow.fetch,
      })
      const user = await app.logIn(Credentials.anonymous(false))
      const refreshing = user.refreshAccessToken().catch((error: unknown) => error)
      await slow.serverAnswered
      // The old session is dead; the user logs in again (here, or in another tab) meanwhile.
      await app.logIn(Credentials.anonymous(false))
      slow.deliver()
      expect(await refreshing).toMatchObject({ status: 401, errorCode: 'InvalidSession' })
      expect(user.state).toBe('active')
      expect(user.refreshToken).toBe('refresh-2')
    } finally {
      await fake.close()
    }
  })

  describe.each(testStores())('network errors, on $kind', (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ appDir: clientAppDir, storeKind })
    })
    afterAll(() => server.close())

    /** A fetch that fails the first `failures` requests whose path ends with `suffix`. */
    const flakyFetch = (suffix: string, failures: number) => {
      const attempts: string[] = []
      const flaky: typeof fetch = (input, init) => {
        const path = new URL(input instanceof Request ? input.url : input).pathname
        if (path.endsWith(suffix)) {
          attempts.push(path)
          if (attempts.length <= failures) return Promise.reject(new TypeError('fetch failed'))
        }
        return fetch(input, init)
      }
      return { flaky, attempts }
    }

    const logIn = async (fetchImpl: typeof fetch) => {
      const app = new App({
        id: 'client-app',
        baseUrl: server.url,
        storage: createMemoryStorage(),
        fetch: fetchImpl,
      })
      const user = await app.logIn(Credentials.anonymous())
      server.requests.length = 0
      return user
    }

    it('H6: a refresh that meets network errors is retried with backoff; the session stays', async () => {
      const { flaky, attempts } = flakyFetch('/auth/session', 2)
      const user = await logIn(flaky)
      const started = Date.now()
      await user.refreshCustomData()
      expect(attempts).toHaveLength(3)
      expect(server.requests).toEqual([REFRESH])
      // Two backoffs: 250–750 ms, then 500–1500 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(700)
    })

    it('H6: a refresh that never gets through fails with NetworkError and keeps the user logged in', async () => {
      const { flaky, attempts } = flakyFetch('/auth/session', 100)
      const user = await logIn(flaky)
      vi.spyOn(Math, 'random').mockReturnValue(0)
      await expect(user.refreshCustomData()).rejects.toMatchObject({
        status: 0,
        errorCode: 'NetworkError',
      })
      expect(attempts).toHaveLength(4)
      expect(user.state).toBe('active')
    })

    it('a function call is never sent twice after a network error', async () => {
      const { flaky, attempts } = flakyFetch('/functions/call', 1)
      const user = await logIn(flaky)
      await expect(user.callFunction('echo')).rejects.toMatchObject({ errorCode: 'NetworkError' })
      expect(attempts).toHaveLength(1)
      expect(server.requests).toEqual([])
    })

    it('adopts X-Refreshed-Access-Token only for the same user and session', async () => {
      const stranger = await logIn(fetch)
      let forged: string | null = null
      const forging: typeof fetch = async (input, init) => {
        const response = await fetch(input, init)
        if (!forged) return response
        const headers = new Headers(response.headers)
        headers.set('x-refreshed-access-token', forged)
        return new Response(response.body, { status: response.status, headers })
      }
      const user = await logIn(forging)
      const own = user.accessToken
      forged = stranger.accessToken
      await user.callFunction('echo')
      expect(user.accessToken).toBe(own)
      forged = unsignedToken({ sub: user.id, baas_id: 'another-session' })
      await user.callFunction('echo')
      expect(user.accessToken).toBe(own)
      forged = 'not a token'
      await user.callFunction('echo')
      expect(user.accessToken).toBe(own)
    })
  })
})
