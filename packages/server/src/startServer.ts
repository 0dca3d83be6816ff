import { Server as NetServer, type AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { LevelWithSilent } from 'pino'
import { loadAppFolder } from './appFolder/loadAppFolder'
import { createLogger } from './createLogger'
import { createServer, type CreateServerOptions, type CustomDataServer } from './createServer'
import { withStaticSite } from './http/withStaticSite'
import { openStore, type StoreOptions } from './store/openStore'
import type { Store } from './store/Store'
import { STORE_RETRY_AFTER_SECONDS } from './store/StoreUnavailableError'

export interface StartServerOptions {
  /** The App Services app folder to serve. */
  readonly appDir: string
  /** Where the data lives. Default: PGlite in memory. */
  readonly store?: StoreOptions
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port?: number
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string
  readonly logLevel?: LevelWithSilent
  /** The app folder's environment (`environments/<tag>.json`). */
  readonly environment?: string
  /** The client App ID to answer to; the folder's own keeps working too (`--app-id`). */
  readonly appId?: string
  /** How long `close()` waits for in-flight requests before cutting them, in ms. Default 10,000. */
  readonly drainTimeoutMs?: number
  /** Everything else `createServer` takes (signing, rate limits, lifetimes, mailer...). */
  readonly server?: Omit<CreateServerOptions, 'app' | 'store' | 'logger'>
  /**
   * A built single-page app (e.g. Vite's `dist/`) to serve next to the API: one process for the
   * whole deployment. API paths keep priority; other pages fall back to its `index.html`.
   */
  readonly staticDir?: string
  /**
   * Gives up starting when aborted (a SIGTERM while PostgreSQL is still unreachable): the port is
   * closed and the promise rejects with the abort reason.
   */
  readonly signal?: AbortSignal
  /** Told the URL as soon as the port listens, before the store is open. */
  readonly onListening?: (url: string) => void
}

/** A server listening on a real port. */
export interface RunningServer {
  /** The base URL clients use, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly port: number
  readonly server: CustomDataServer
  /**
   * Stops accepting connections, still answers requests that arrive on connections it had accepted
   * (closing each connection after its answer), waits for in-flight requests (up to the drain
   * timeout), then closes the function runtime and the store (a checkpoint first on PGlite).
   */
  close(): Promise<void>
}

/** An App Services error body, for the answers given before the server is ready. */
const unavailable = (status: string, message: string): Response =>
  Response.json(
    { error: message, error_code: 'ServiceUnavailable', status },
    { status: 503, headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) } },
  )

/**
 * Answers while the store is not open yet (PostgreSQL unreachable at start-up): alive, not ready,
 * every other request 503 with `Retry-After`.
 */
const whileStarting = (request: Request): Response => {
  const path = new URL(request.url).pathname
  if (path === '/health/alive') return Response.json({ status: 'ok' })
  if (path === '/health/ready') return unavailable('starting', 'the server is starting')
  return unavailable('starting', 'the server is starting; try again shortly')
}

/** The same answer, telling the client to close the connection after it (used while draining). */
const withConnectionClose = (response: Response): Response => {
  const headers = new Headers(response.headers)
  headers.set('connection', 'close')
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}

// A connection accepted before shutdown gets this long to deliver its request before it counts as idle.
const SETTLE_MS = 500

/**
 * Request headers accepted, in all. An access token carrying custom data at its 16 KiB cap is
 * ~22 KB, past Node's default of 16 KiB: the server must take the tokens it signs.
 */
export const MAX_HEADER_BYTES = 64 * 1024

/**
 * Slow-loris defence (docs/reliability.md D13): a client has this long to send its request's
 * headers, and `REQUEST_TIMEOUT_MS` for the whole request. Node checks both only every
 * `connectionsCheckingInterval` (30 s by default, which let a trickling client hold a connection
 * for 30 s), so it checks every `TIMEOUT_CHECK_MS` here.
 */
export const HEADERS_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 60_000
const TIMEOUT_CHECK_MS = 1_000

/** Node's HTTP server options every listener of this server uses (tests' included). */
export const HTTP_SERVER_OPTIONS = {
  maxHeaderSize: MAX_HEADER_BYTES,
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: TIMEOUT_CHECK_MS,
} as const

/**
 * Loads the app folder, listens, opens the store and serves: what `custom-data-server start`
 * does. It listens before the store is open, so that while PostgreSQL cannot be reached (it
 * waits for it, with a log line at each try and a pause doubling up to 10 s) `/health/alive`
 * answers 200 and `/health/ready` 503; it resolves once the server is ready.
 */
export const startServer = async (options: StartServerOptions): Promise<RunningServer> => {
  const logger = createLogger(options.logLevel ?? 'info')
  const app = await loadAppFolder(options.appDir, {
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.appId === undefined ? {} : { appId: options.appId }),
  })
  // The folder's own App ID names the app's PostgreSQL schema: answering to another one
  // (`appId`, --app-id) must not move the app to another, empty schema. A folder without an ID
  // of its own is known by the one given.
  const folderAppId =
    options.appId === undefined
      ? app.appId
      : await loadAppFolder(
          options.appDir,
          options.environment === undefined ? {} : { environment: options.environment },
        ).then(
          (own) => own.appId,
          () => app.appId,
        )
  // Set once the store is open and the server built; until then, `whileStarting` answers.
  const serving: { handle?: (request: Request, env: unknown) => Promise<Response> } = {}
  let draining = false
  let inFlight = 0
  const host = options.host ?? '127.0.0.1'
  const { http, port } = await new Promise<{ http: ServerType; port: number }>(
    (resolve, reject) => {
      const listening = serve(
        {
          fetch: async (request: Request, env: unknown) => {
            const { handle } = serving
            if (!handle) return whileStarting(request)
            if (draining && new URL(request.url).pathname === '/health/ready') {
              // Honest while draining: a load balancer stops sending new requests here.
              return withConnectionClose(unavailable('stopping', 'the server is stopping'))
            }
            inFlight++
            try {
              const response = await handle(request, env)
              // While draining, requests on connections accepted before still get their answer,
              // and the connection closes after it.
              return draining ? withConnectionClose(response) : response
            } finally {
              inFlight--
            }
          },
          port: options.port ?? 8080,
          hostname: host,
          // @hono/node-server's lighter Request/Response: the process is the server's alone.
          overrideGlobalObjects: true,
          serverOptions: HTTP_SERVER_OPTIONS,
        },
        (info: AddressInfo) => resolve({ http: listening, port: info.port }),
      )
      listening.once('error', reject)
    },
  )
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  const storeOptions = options.store ?? { dataDir: ':memory:' }
  logger.info({ url, appId: app.appId }, 'opening the store (health checks answer meanwhile)')
  options.onListening?.(url)

  let store: Store
  let server: CustomDataServer
  try {
    store = await openStore(storeOptions, {
      appId: folderAppId,
      waitForDatabase: {
        onRetry: (error, delayMs) =>
          logger.warn(
            { err: error, retryInMs: delayMs },
            `the database cannot be reached (${(error as Error).message}); trying again in ${delayMs / 1000} s`,
          ),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      onAdopted: (schema, tables) =>
        logger.warn({ schema, tables }, `moved this app's tables from public into ${schema}`),
    })
    try {
      server = await createServer({ ...options.server, app, store, logger })
    } catch (error) {
      await store.close()
      throw error
    }
  } catch (error) {
    await new Promise<void>((resolve) => {
      http.close(() => resolve())
      if ('closeAllConnections' in http) http.closeAllConnections()
    })
    throw error
  }
  serving.handle = options.staticDir
    ? withStaticSite(options.staticDir, server.fetch)
    : server.fetch
  logger.info({ url, appId: app.appId, store: store.kind }, 'listening')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    server,
    close() {
      closing ??= (async () => {
        draining = true
        // Live streams never fall idle: end them first (each with its end frame), so the drain
        // below waits only for ordinary requests.
        await server.context.live.close()
        // Stop listening without http.Server.close(), which would at once destroy every
        // connection without a parsed request, even those whose request is already on the way.
        const stopped = new Promise<void>((resolve) =>
          NetServer.prototype.close.call(http, () => resolve()),
        )
        // After the settle time, connections close as soon as they fall idle; one busy with an
        // in-flight request is left alone until it finishes or the drain timeout passes.
        const started = Date.now()
        const sweep = setInterval(() => {
          if (Date.now() - started >= SETTLE_MS && 'closeIdleConnections' in http) {
            http.closeIdleConnections()
          }
        }, 25)
        const drainTimeout = options.drainTimeoutMs ?? 10_000
        const timedOut = await Promise.race([
          stopped.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), drainTimeout).unref()),
        ])
        clearInterval(sweep)
        if (timedOut) {
          logger.warn({ inFlight }, 'drain timeout: cutting the remaining requests')
          if ('closeAllConnections' in http) http.closeAllConnections()
          await stopped
        }
        await server.close()
        await store.close()
        logger.info('stopped')
      })()
      return closing
    },
  }
}
