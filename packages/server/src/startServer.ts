import { Server as NetServer, type AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { LevelWithSilent } from 'pino'
import { loadAppFolder } from './appFolder/loadAppFolder'
import { createLogger } from './createLogger'
import { createServer, type CreateServerOptions, type CustomDataServer } from './createServer'
import { withStaticSite } from './http/withStaticSite'
import { openStore, type StoreOptions } from './store/openStore'

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

/** Opens the store, loads the app folder and listens: what `custom-data-server start` does. */
export const startServer = async (options: StartServerOptions): Promise<RunningServer> => {
  const logger = createLogger(options.logLevel ?? 'info')
  const app = await loadAppFolder(options.appDir, {
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.appId === undefined ? {} : { appId: options.appId }),
  })
  const store = await openStore(options.store ?? { dataDir: ':memory:' })
  let server: CustomDataServer
  try {
    server = await createServer({ ...options.server, app, store, logger })
  } catch (error) {
    await store.close()
    throw error
  }
  const handle = options.staticDir ? withStaticSite(options.staticDir, server.fetch) : server.fetch
  let draining = false
  let inFlight = 0
  const host = options.host ?? '127.0.0.1'
  const { http, port } = await new Promise<{ http: ServerType; port: number }>(
    (resolve, reject) => {
      const listening = serve(
        {
          fetch: async (request: Request, env: unknown) => {
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
          serverOptions: { maxHeaderSize: MAX_HEADER_BYTES },
        },
        (info: AddressInfo) => resolve({ http: listening, port: info.port }),
      )
      listening.once('error', reject)
    },
  )
  // Slow-loris defence: a client that trickles its headers is cut off (docs/reliability.md D13).
  if ('headersTimeout' in http) {
    http.headersTimeout = 10_000
    http.requestTimeout = 60_000
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  logger.info({ url, appId: app.appId, store: store.kind }, 'listening')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    server,
    close() {
      closing ??= (async () => {
        draining = true
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
