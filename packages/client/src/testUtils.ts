import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createMemoryStorage, type SessionStorage } from './storage'
import type { UserRecord } from './sessionStore'

const base64Url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * An unsigned token shaped like the server's, for the tests of storage and cross-tab logic that
 * never send it anywhere (the client never verifies signatures; the server does).
 */
export const unsignedToken = (claims: Record<string, unknown> = {}): string => {
  const iat = Math.floor(Date.now() / 1000)
  return `${base64Url({ alg: 'none' })}.${base64Url({ sub: 'u1', iat, exp: iat + 1800, ...claims })}.sig`
}

/** A logged-in user record with unsigned tokens. */
export const userRecord = (id: string, claims: Record<string, unknown> = {}): UserRecord => ({
  id,
  providerType: 'anon-user',
  accessToken: unsignedToken({ sub: id, ...claims }),
  refreshToken: `refresh-${id}`,
  accessTokenExpiresAt: Date.now() + 1_800_000,
  profile: { type: 'normal', identities: [], data: {} },
})

/** Memory storage that says it is shared, as two tabs' localStorage is. */
export const sharedMemoryStorage = (): SessionStorage => ({
  ...createMemoryStorage(),
  shared: true,
})

/**
 * `storage` that refuses writes as a full one does while `isFull()` says so; what it holds stays
 * readable.
 */
export const fullStorage = (
  storage: SessionStorage,
  isFull: () => boolean = () => true,
): SessionStorage => ({
  ...storage,
  set: (key, value) => {
    if (isFull()) throw new DOMException('quota exceeded', 'QuotaExceededError')
    storage.set(key, value)
  },
})

/** A unique app id, so that BroadcastChannels of different tests never meet. */
export const uniqueAppId = (): string => `test-${Math.random().toString(36).slice(2)}`

/** The app folder the client's tests run against: every provider, and functions to call. */
export const clientAppDir: string = fileURLToPath(
  new URL('../fixtures/client-app', import.meta.url),
)

export { sleep } from './sleep'

/** A server clock tests can move: `offset` milliseconds from real time. */
export const shiftableClock = (): { offset: number; now(): number } => ({
  offset: 0,
  now() {
    return Date.now() + this.offset
  },
})

/** A tiny real HTTP server for failures the real server cannot produce. */
export interface FakeServer {
  readonly url: string
  /** Every request, as `METHOD /path`. */
  readonly requests: string[]
  close(): Promise<void>
}

export type FakeHandler = (request: { method: string; path: string; url: string }) => {
  status: number
  body?: unknown
}

export const startFakeServer = async (handle: FakeHandler): Promise<FakeServer> => {
  const requests: string[] = []
  let url = ''
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const method = request.method ?? 'GET'
    requests.push(`${method} ${path}`)
    const { status, body } = handle({ method, path, url })
    response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
    response.end(body === undefined ? undefined : JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
