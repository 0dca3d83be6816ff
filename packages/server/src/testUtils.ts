import { fileURLToPath } from 'node:url'
import { loadAppFolder } from './appFolder/loadAppFolder'
import type { Clock } from './Clock'
import { createLogger } from './createLogger'
import { createServer, type CreateServerOptions, type CustomDataServer } from './createServer'
import type { Store } from './store/Store'
import type { TestStoreKind } from './testing/testStores'

export const basicAppDir: string = fileURLToPath(new URL('../fixtures/basic-app', import.meta.url))
export const API = 'http://localhost/api/client/v2.0'

export interface Answer {
  status: number
  headers: Headers
  body: unknown
}

export interface InProcessServer {
  server: CustomDataServer
  store: Store
  appId: string
  /** Sends one request to the server in process and reads its JSON answer. */
  request(
    method: string,
    path: string,
    init?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Answer>
  /** Logs in anonymously and returns the login answer. */
  logInAnonymously(): Promise<{
    access_token: string
    refresh_token: string
    user_id: string
    device_id: string
  }>
  close(): Promise<void>
}

/** A server on the basic fixture app and a fresh store, called in process (no port). */
export const createInProcessServer = async (
  storeKind: TestStoreKind,
  options: Partial<Omit<CreateServerOptions, 'app' | 'store'>> & {
    appDir?: string
    clock?: Clock
  } = {},
): Promise<InProcessServer> => {
  const { appDir = basicAppDir, ...rest } = options
  const app = await loadAppFolder(appDir)
  const store = await storeKind.open()
  const server = await createServer({ logger: createLogger('silent'), ...rest, app, store })
  const request: InProcessServer['request'] = async (method, path, init = {}) => {
    const headers = new Headers(init.headers)
    if (init.token) headers.set('authorization', `Bearer ${init.token}`)
    let body: string | undefined
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    }
    const url = path.startsWith('http') ? path : `${API}${path}`
    const response = await server.fetch(new Request(url, { method, headers, body }))
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as unknown) : null,
    }
  }
  return {
    server,
    store,
    appId: app.appId,
    request,
    async logInAnonymously() {
      const answer = await request('POST', `/app/${app.appId}/auth/providers/anon-user/login`, {
        body: {},
      })
      if (answer.status !== 200) throw new Error(`login failed: ${JSON.stringify(answer.body)}`)
      return answer.body as Awaited<ReturnType<InProcessServer['logInAnonymously']>>
    },
    async close() {
      await server.close()
      await store.close()
    },
  }
}

/** The payload of a JWT, unverified (tests look at what the server put in). */
export const decodeJwtPayload = (token: string): Record<string, unknown> => {
  const [, payload] = token.split('.')
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >
}
