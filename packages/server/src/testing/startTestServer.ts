import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import type { Clock } from '../Clock'
import { createLogger } from '../createLogger'
import { createServer, type CreateServerOptions, type CustomDataServer } from '../createServer'
import { HTTP_SERVER_OPTIONS } from '../startServer'
import type { Store } from '../store/Store'
import { pgliteTestStore, type TestStoreKind } from './testStores'

/** Cheap argon2id parameters for tests: the production ones cost ~30 ms and 19 MiB per hash. */
export const TEST_PASSWORD_HASHING = {
  params: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
} as const

export interface TestServerOptions extends Partial<Omit<CreateServerOptions, 'app' | 'store'>> {
  /** The app folder to serve. */
  readonly appDir: string
  /** Which store to open. Default: PGlite in memory. */
  readonly storeKind?: TestStoreKind
  readonly clock?: Clock
}

/** A server on a real port of 127.0.0.1, its store, and a counter of the requests it answered. */
export interface TestServer {
  readonly url: string
  readonly server: CustomDataServer
  readonly store: Store
  /** Every request the server received, in order: `METHOD /path`. */
  readonly requests: string[]
  /** Closes the listener, the server and the store. */
  close(): Promise<void>
}

/**
 * Starts the real server on an ephemeral port, for tests in any package (the client, the React
 * hooks, realm-web): real HTTP, a real store, and a log of requests so tests can count them.
 * Unlike production, rate limits are off and password hashing is cheap unless the test asks
 * (`rateLimits`, `passwordHashing`).
 */
export const startTestServer = async (options: TestServerOptions): Promise<TestServer> => {
  const { appDir, storeKind = pgliteTestStore, ...rest } = options
  const store = await storeKind.open()
  const server = await createServer({
    logger: createLogger('silent'),
    rateLimits: false,
    passwordHashing: TEST_PASSWORD_HASHING,
    ...rest,
    app: await loadAppFolder(appDir),
    store,
  })
  const requests: string[] = []
  const listener = await new Promise<{ port: number; close(): Promise<void> }>((resolve) => {
    const http = serve(
      {
        fetch: (request: Request, env: unknown) => {
          requests.push(`${request.method} ${new URL(request.url).pathname}`)
          return server.fetch(request, env)
        },
        port: 0,
        hostname: '127.0.0.1',
        overrideGlobalObjects: false,
        serverOptions: HTTP_SERVER_OPTIONS,
      },
      (info: AddressInfo) =>
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              http.close(() => done())
              if ('closeAllConnections' in http) http.closeAllConnections()
            }),
        }),
    )
  })
  return {
    url: `http://127.0.0.1:${listener.port}`,
    server,
    store,
    requests,
    async close() {
      await listener.close()
      await server.close()
      await store.close()
    },
  }
}
