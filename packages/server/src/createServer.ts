import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import type { AppConfig } from './appFolder/AppConfig'
import { createTokenService } from './auth/createTokenService'
import { systemClock, type Clock } from './Clock'
import { createLogger } from './createLogger'
import { createInProcessRunner } from './functions/createInProcessRunner'
import type { FunctionRunner } from './functions/FunctionRunner'
import { tooLarge } from './http/readEjsonBody'
import { ErrorCode, ServiceError, isServiceError } from './http/ServiceError'
import { functionRoutes } from './routes/functionRoutes'
import { loginRoutes } from './routes/loginRoutes'
import { metaRoutes } from './routes/metaRoutes'
import { sessionRoutes } from './routes/sessionRoutes'
import type { ServerContext, ServerSettings } from './ServerContext'
import type { Store } from './store/Store'

export interface CreateServerOptions {
  /** The loaded app folder (`loadAppFolder`). */
  readonly app: AppConfig
  /** The opened store (`openStore`). The server does not close it: whoever opened it does. */
  readonly store: Store
  /** Default: JSON logs at `info` on stdout. */
  readonly logger?: Logger
  /** Default: the system clock. Tests move time with their own. */
  readonly clock?: Clock
  /** The `iss` claim of access tokens. Default `custom-data-server`. */
  readonly issuer?: string
  /** Access-token lifetime in seconds. Default 1800 (30 minutes). */
  readonly accessTokenLifetime?: number
  /** Refresh-token lifetime in seconds. Default 5,184,000 (60 days). */
  readonly refreshTokenLifetime?: number
  /** Largest request body in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number
  /**
   * Answer a function call that changed the caller's custom data with a fresh access token in
   * `X-Refreshed-Access-Token` (PROTOCOL.md §17.3). Default true; realm-web ignores it.
   */
  readonly refreshedTokenHeader?: boolean
  /** The function runtime. Default: one built from the app folder. */
  readonly functions?: FunctionRunner
}

/** A running server's handler: a web-standard `fetch`, and `close` to release what it holds. */
export interface CustomDataServer {
  /** Answers one request; mount it in any runtime (`@hono/node-server`, Vite, tests). */
  fetch: (request: Request) => Promise<Response>
  /** Stops the function runtime. The store stays open (it belongs to the caller). */
  close(): Promise<void>
  readonly context: ServerContext
}

const API = '/api/client/v2.0'

/**
 * Builds the App Services-compatible HTTP server for one app folder and one store.
 *
 * @example
 * const store = await openStore({ dataDir: ':memory:' })
 * const server = await createServer({ app: await loadAppFolder('./backend'), store })
 * const response = await server.fetch(new Request('http://localhost/health/alive'))
 */
export const createServer = async (options: CreateServerOptions): Promise<CustomDataServer> => {
  const { app, store } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? createLogger()
  const settings: ServerSettings = {
    accessTokenLifetime: options.accessTokenLifetime ?? 1800,
    refreshTokenLifetime: options.refreshTokenLifetime ?? 60 * 24 * 60 * 60,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    refreshedTokenHeader: options.refreshedTokenHeader ?? true,
  }
  const tokens = await createTokenService({
    store,
    appId: app.appId,
    issuer: options.issuer ?? 'custom-data-server',
    clock,
    accessTokenLifetime: settings.accessTokenLifetime,
  })
  const functions = options.functions ?? createInProcessRunner({ app, store, logger })
  const context: ServerContext = { app, store, tokens, functions, clock, logger, settings }

  const hono = new Hono()
  hono.use(
    '*',
    cors({
      // An empty allow-list means any origin, as a new App Services app allowed.
      origin: (origin) =>
        app.allowedRequestOrigins.length === 0 || app.allowedRequestOrigins.includes(origin)
          ? origin
          : null,
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowHeaders: ['Authorization', 'Content-Type', 'Accept'],
      exposeHeaders: ['X-Refreshed-Access-Token', 'x-baas-location'],
      credentials: true,
      maxAge: 600,
    }),
  )
  hono.use('*', async (c, next) => {
    // Refuse what announces itself as too large before reading a byte; readEjsonBody counts the
    // bytes of bodies that announce no length.
    const length = Number(c.req.header('content-length') ?? 0)
    if (length > settings.maxBodyBytes) throw tooLarge(settings.maxBodyBytes)
    await next()
  })
  hono.use(`${API}/app/:appId/*`, async (c, next) => {
    if (c.req.param('appId') !== app.appId) {
      throw new ServiceError(
        404,
        ErrorCode.AppNotFound,
        `cannot find app using Client App ID '${c.req.param('appId')}'`,
      )
    }
    await next()
  })
  hono.route('/', metaRoutes(context))
  hono.route(API, loginRoutes(context))
  hono.route(API, sessionRoutes(context))
  hono.route(API, functionRoutes(context))

  hono.notFound((c) =>
    c.json(
      { error: `no route for ${c.req.method} ${c.req.path}`, error_code: ErrorCode.NotFound },
      404,
    ),
  )
  hono.onError((error, c) => {
    if (isServiceError(error)) {
      return c.json({ error: error.message, error_code: error.code }, error.status)
    }
    if (error instanceof HTTPException) {
      return c.json(
        { error: error.message || 'bad request', error_code: ErrorCode.BadRequest },
        error.status,
      )
    }
    // Our bug, not the client's: log it whole, answer without internals.
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error')
    return c.json(
      { error: 'internal server error', error_code: ErrorCode.InternalServerError },
      500,
    )
  })

  return {
    fetch: async (request) => hono.fetch(request),
    close: () => functions.close(),
    context,
  }
}
