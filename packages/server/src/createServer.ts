import { Hono, type MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AppConfig } from './appFolder/AppConfig'
import { applySecrets } from './appFolder/applySecrets'
import { ignoredSummary } from './appFolder/describeIgnored'
import { foldWarnings } from './appFolder/foldWarnings'
import { cleanupExpired } from './auth/cleanupExpired'
import { createLoginHandlers } from './auth/createLoginHandlers'
import {
  createPasswordHasher,
  type Argon2Params,
  type PasswordHasherOptions,
} from './auth/createPasswordHasher'
import { createTokenService } from './auth/createTokenService'
import { loadServerSecret } from './auth/loadServerSecret'
import { createLogMailer, type Mailer } from './auth/Mailer'
import type { SigningKeySource } from './auth/signingKeys'
import { systemClock, type Clock } from './Clock'
import { createLogger } from './createLogger'
import { createCollectionProvider } from './collection/createCollectionProvider'
import { createChangeFeed, DEFAULT_CHANGE_RETENTION_SECONDS } from './feed/createChangeFeed'
import { createLiveHub } from './live/createLiveHub'
import { liveRoutes } from './live/liveRoutes'
import { liveSettingsOf, type LiveSettings } from './live/LiveSettings'
import { ensureUserIdIndex } from './collection/userIdIndex'
import { createFunctionRuntime, type FunctionLimits } from './functions/createFunctionRuntime'
import { resolveValues } from './functions/resolveValues'
import type { FunctionRunner, FunctionUser } from './functions/FunctionRunner'
import { withEndpointHandler } from './endpoints/endpointHandler'
import type { RuleFunctionCaller } from './collection/ruleExpression'
import { DEFAULT_ACCOUNT_BACKOFF, type AccountBackoffRules } from './auth/accountBackoff'
import {
  createRateLimiter,
  DEFAULT_RATE_LIMITS,
  type RateLimitRules,
} from './http/createRateLimiter'
import { handleError } from './http/handleError'
import { corsHeaders } from './http/corsHeaders'
import { requestLog } from './http/requestLog'
import { tooLarge } from './http/readRawBody'
import { ErrorCode, ServiceError } from './errors/ServiceError'
import { ADMIN_API, adminRoutes } from './admin/adminRoutes'
import { apiKeyRoutes } from './routes/apiKeyRoutes'
import { endpointRoutes, isEndpointPath } from './routes/endpointRoutes'
import { functionRoutes } from './routes/functionRoutes'
import { loginRoutes } from './routes/loginRoutes'
import { metaRoutes } from './routes/metaRoutes'
import { oauthRoutes } from './routes/oauthRoutes'
import { sessionRoutes } from './routes/sessionRoutes'
import { userpassRoutes } from './routes/userpassRoutes'
import type { ServerContext, ServerSettings } from './ServerContext'
import { createTriggerRunner, type TriggerOptions } from './triggers/createTriggerRunner'
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
  /**
   * Access-token signing. Default: EdDSA (Ed25519) with keys generated on first start and kept in
   * the store. `{ algorithm: 'EdDSA', keyFile }` or `{ algorithm: 'EdDSA', privateJwk }` take the
   * key from outside (the server then refuses to start if it cannot read it);
   * `{ algorithm: 'HS256', secret }` signs with a shared secret of at least 32 bytes.
   */
  readonly signing?: SigningKeySource
  /** How long a retired signing key still verifies, in seconds. Default 86,400 (one day). */
  readonly retiredKeyGraceSeconds?: number
  /**
   * `optional` (default): a session rotates its refresh token when its login asked for it
   * (`options.refreshTokenRotation`, docs/protocol.md §17.1). `required`: logins that do not ask are
   * refused; realm-web cannot log in then.
   */
  readonly refreshTokenRotation?: 'optional' | 'required'
  /** How long a rotated-out refresh token answers with its successor, in seconds. Default 10. */
  readonly rotationGraceSeconds?: number
  /** End sessions unused for this many seconds. Default: no idle timeout (App Services had none). */
  readonly sessionIdleTimeout?: number | null
  /** Largest custom-data document put in a token, in bytes of JSON. Default 16 KiB. */
  readonly customDataMaxBytes?: number
  /**
   * How long the change feed keeps an event once every registered consumer (trigger) has passed
   * it, in seconds: how far a live stream or a `watch()` may fall behind and still resume.
   * Default 3600.
   */
  readonly changeRetention?: number
  /** Largest request body in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number
  /**
   * Answer a function call that changed the caller's custom data with a fresh access token in
   * `X-Refreshed-Access-Token` (docs/protocol.md §17.3). Default true; realm-web ignores it.
   */
  readonly refreshedTokenHeader?: boolean
  /**
   * Addresses of reverse proxies whose `X-Forwarded-For` is believed when rate limiting. Default
   * none: the socket's peer is the client, and `X-Forwarded-For` is ignored.
   */
  readonly trustedProxies?: readonly string[]
  /**
   * The URL clients reach this server at (e.g. `https://data.example.com`), answered by location
   * discovery. Default: the request's origin, or what a trusted proxy forwarded
   * (`X-Forwarded-Proto`, `X-Forwarded-Host`).
   */
  readonly publicUrl?: string
  /**
   * Per-IP limits (docs/reliability.md §2.3); `false` turns them off, and the per-account backoff
   * with them. Default: `DEFAULT_RATE_LIMITS`.
   */
  readonly rateLimits?: Partial<RateLimitRules> | false
  /**
   * The pause on an account after failed password logins (docs/reliability.md C6). Default:
   * `DEFAULT_ACCOUNT_BACKOFF` (10 failures, then 1 s doubling up to 15 min), off with `rateLimits`.
   */
  readonly accountBackoff?: Partial<AccountBackoffRules>
  /** argon2id cost and concurrency. Default: OWASP's m=19456 KiB, t=2, p=1. */
  readonly passwordHashing?: PasswordHasherOptions & { readonly params?: Argon2Params }
  /** Password length bounds for new local-userpass passwords, in characters. Default 8 to 256. */
  readonly passwordMinLength?: number
  readonly passwordMaxLength?: number
  /** Lifetime of confirmation and reset links, in seconds. Default 1800 (as App Services). */
  readonly userpassTokenLifetime?: number
  /** Sends local-userpass mails. Default: logs each mail and its link instead of sending it. */
  readonly mailer?: Mailer
  /** Secret values by name (custom JWT signing keys...). Default: `SECRET_<NAME>` variables. */
  readonly secrets?: Readonly<Record<string, string>>
  /**
   * Refuse to start when a secret the app needs has no value. Default false: the provider or
   * endpoint that needs it is disabled, and one warning names every missing secret.
   */
  readonly strictSecrets?: boolean
  /** The time limit of a function called by a rule (`%function`), in ms. Default 5,000. */
  readonly ruleFunctionTimeLimitMs?: number
  /**
   * Live streams (docs/protocol.md §17.7): streams per user (default 10), heartbeat interval
   * (15 s), bytes queued for a slow reader before it is cut off (256 KiB); `false` turns the
   * custom-data stream and `watch()` off.
   */
  readonly liveStreams?: Partial<LiveSettings> | false
  /** The function runtime. Default: one built from the app folder. */
  readonly functions?: FunctionRunner
  /**
   * Limits of the default function runtime: wall clock per call (default 60 s), memory per worker
   * (256 MB), workers, and concurrent calls in all (200) and per user (10).
   */
  readonly functionLimits?: Partial<FunctionLimits>
  /**
   * How the app's triggers (`triggers/`) are delivered: attempts before an event is parked as
   * failed (5), the first retry's wait (1 s, doubling), the lease a process holds on an event (30
   * s), functions run at once (16). `false`: this process runs no triggers (another does).
   */
  readonly triggers?: Partial<TriggerOptions> | false
}

/** A running server's handler: a web-standard `fetch`, and `close` to release what it holds. */
export interface CustomDataServer {
  /**
   * Answers one request; mount it in any runtime (`@hono/node-server`, Vite, tests). `env` is the
   * adapter's bindings (`@hono/node-server` passes the socket there, for client addresses).
   */
  fetch: (request: Request, env?: unknown) => Promise<Response>
  /** Stops the function runtime and background jobs. The store stays open (it belongs to the caller). */
  close(): Promise<void>
  readonly context: ServerContext
}

const API = '/api/client/v2.0'
const HOUR_MS = 60 * 60 * 1000
const PRUNE_INTERVAL_MAX_MS = 10 * 60 * 1000

const secretFromEnvironment = (name: string): string | undefined =>
  process.env[`SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]

/** A public URL as location discovery answers it: scheme and host, no path, no trailing slash. */
const publicUrlOf = (text: string): string => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TypeError(`publicUrl must be an absolute http(s) URL, got "${text}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`publicUrl must be an http or https URL, got "${text}"`)
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new TypeError(`publicUrl must have no path, query or fragment, got "${text}"`)
  }
  return url.origin
}

const settingsOf = (options: CreateServerOptions): ServerSettings => ({
  accessTokenLifetime: options.accessTokenLifetime ?? 1800,
  refreshTokenLifetime: options.refreshTokenLifetime ?? 60 * 24 * 60 * 60,
  maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
  refreshedTokenHeader: options.refreshedTokenHeader ?? true,
  refreshTokenRotation: options.refreshTokenRotation ?? 'optional',
  rotationGraceSeconds: options.rotationGraceSeconds ?? 10,
  sessionIdleTimeout: options.sessionIdleTimeout ?? null,
  customDataMaxBytes: options.customDataMaxBytes ?? 16 * 1024,
  changeRetentionSeconds: options.changeRetention ?? DEFAULT_CHANGE_RETENTION_SECONDS,
  trustedProxies: new Set(options.trustedProxies ?? []),
  publicUrl: options.publicUrl === undefined ? null : publicUrlOf(options.publicUrl),
  passwordMinLength: options.passwordMinLength ?? 8,
  passwordMaxLength: options.passwordMaxLength ?? 256,
  userpassTokenLifetime: options.userpassTokenLifetime ?? 1800,
  live: liveSettingsOf(options.liveStreams),
})

/**
 * Builds the App Services-compatible HTTP server for one app folder and one store.
 *
 * @example
 * const store = await openStore({ dataDir: ':memory:' })
 * const server = await createServer({ app: await loadAppFolder('./backend'), store })
 * const response = await server.fetch(new Request('http://localhost/health/alive'))
 */
export const createServer = async (options: CreateServerOptions): Promise<CustomDataServer> => {
  const { store } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? createLogger()
  const settings = settingsOf(options)
  const secrets = options.secrets
  const secret = (name: string): string | undefined =>
    secrets && Object.hasOwn(secrets, name) ? secrets[name] : secretFromEnvironment(name)
  // What needs a missing secret is disabled here (or the start refused), so nothing below fails
  // on one; the loaded folder is otherwise served as it is.
  const { app } = applySecrets(options.app, secret, { strict: options.strictSecrets === true })
  logAppReport(logger, app)
  const tokens = await createTokenService({
    store,
    appId: app.appId,
    issuer: options.issuer ?? 'custom-data-server',
    clock,
    logger,
    accessTokenLifetime: settings.accessTokenLifetime,
    customDataMaxBytes: settings.customDataMaxBytes,
    ...(options.signing ? { signing: options.signing } : {}),
    ...(options.retiredKeyGraceSeconds !== undefined
      ? { retiredKeyGraceSeconds: options.retiredKeyGraceSeconds }
      : {}),
  })
  const rotationSecret = await loadServerSecret(store, clock, 'refresh-token-rotation')
  const values = resolveValues(app, secret)
  const feed = createChangeFeed({
    store,
    retentionSeconds: settings.changeRetentionSeconds,
    onError: (error) => logger.error({ err: error }, 'the change feed failed to wake its readers'),
  })
  // Rules call functions (%function) through the runtime built below, each call under its own
  // time limit: the collection layer only gets this callback.
  const runtime: { current?: FunctionRunner } = {}
  const callFunction = ruleFunctionCaller(() => runtime.current, {
    logger,
    timeLimitMs: options.ruleFunctionTimeLimitMs ?? 5_000,
  })
  const collections = createCollectionProvider({
    dataSources: app.dataSources,
    customData: app.customUserData,
    store,
    values,
    customDataMaxBytes: settings.customDataMaxBytes,
    announce: () => feed.announce(),
    environment: app.environment as unknown as Readonly<Record<string, unknown>>,
    callFunction,
  })
  if (app.customUserData) await ensureUserIdIndex(store, app.customUserData.userIdField)
  const functions =
    options.functions ??
    (await createFunctionRuntime({
      app: withEndpointHandler(app),
      collections,
      logger,
      values,
      ...(options.functionLimits ? { limits: options.functionLimits } : {}),
    }))
  runtime.current = functions
  const live = createLiveHub({
    store,
    feed,
    customData: app.customUserData,
    settings: settings.live,
    clock,
    logger,
  })
  const context: ServerContext = {
    app,
    store,
    tokens,
    functions,
    collections,
    feed,
    live,
    clock,
    logger,
    settings,
    passwords: createPasswordHasher(options.passwordHashing),
    mailer: options.mailer ?? createLogMailer(logger),
    rateLimiter:
      options.rateLimits === false
        ? null
        : createRateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }, clock),
    accountBackoff:
      options.rateLimits === false
        ? null
        : { ...DEFAULT_ACCOUNT_BACKOFF, ...options.accountBackoff },
    rotationSecret,
    secret,
  }
  const loginHandlers = await createLoginHandlers(context).catch(async (error: unknown) => {
    await functions.close()
    throw error
  })

  const hono = new Hono()
  hono.use('*', requestLog(logger))
  // An empty allow-list means any origin, as a new App Services app allowed.
  const allowedOrigin = (origin: string) =>
    app.allowedRequestOrigins.length === 0 || app.allowedRequestOrigins.includes(origin)
      ? origin
      : null
  const apiCors = corsHeaders({
    origin: allowedOrigin,
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept'],
    exposeHeaders: ['X-Refreshed-Access-Token', 'x-baas-location', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
  })
  // HTTPS endpoints take any method and the headers their callers send (apiKey, a signature...).
  const endpointCors = corsHeaders({
    origin: allowedOrigin,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposeHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  })
  const corsFor: MiddlewareHandler = (c, next) =>
    isEndpointPath(c.req.path) ? endpointCors(c, next) : apiCors(c, next)
  hono.use('*', corsFor)
  hono.use('*', async (c, next) => {
    // Refuse what announces itself as too large before reading a byte; readEjsonBody counts the
    // bytes of bodies that announce no length.
    const length = Number(c.req.header('content-length') ?? 0)
    if (length > settings.maxBodyBytes) throw tooLarge(settings.maxBodyBytes)
    await next()
  })
  const appIds = new Set([app.appId, ...app.appIdAliases])
  hono.use(`${API}/app/:appId/*`, async (c, next) => {
    if (!appIds.has(c.req.param('appId'))) {
      throw new ServiceError(
        ErrorCode.AppNotFound,
        `cannot find app using Client App ID '${c.req.param('appId')}'`,
      )
    }
    await next()
  })
  hono.route('/', metaRoutes(context))
  hono.route(API, loginRoutes(context, loginHandlers))
  hono.route(API, oauthRoutes(context, loginHandlers))
  hono.route(API, userpassRoutes(context))
  hono.route(API, sessionRoutes(context))
  hono.route(API, apiKeyRoutes(context))
  hono.route(API, functionRoutes(context))
  hono.route(API, liveRoutes(context))
  hono.route(ADMIN_API, adminRoutes(context))
  if (app.endpoints.length > 0) hono.route('/', endpointRoutes(context))

  hono.notFound((c) =>
    c.json(
      { error: `no route for ${c.req.method} ${c.req.path}`, error_code: ErrorCode.NotFound },
      404,
    ),
  )
  hono.onError(handleError(logger))

  const triggers =
    options.triggers === false || app.triggers.length === 0
      ? null
      : await createTriggerRunner({
          store,
          feed,
          functions,
          logger,
          triggers: app.triggers,
          options: options.triggers ?? {},
        })

  const cleanup = () =>
    cleanupExpired(store, clock).catch((error: unknown) =>
      logger.warn({ err: error }, 'cleaning up expired sessions failed; will retry'),
    )
  void cleanup()
  const cleanupTimer = setInterval(() => void cleanup(), HOUR_MS)
  cleanupTimer.unref()
  // Pruning the change feed: twice per retention window, at most every 10 minutes.
  const prune = () =>
    feed
      .prune()
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'pruning the change feed failed; will retry'),
      )
  const pruneTimer = setInterval(
    () => void prune(),
    Math.min(PRUNE_INTERVAL_MAX_MS, Math.max(1000, settings.changeRetentionSeconds * 500)),
  )
  pruneTimer.unref()

  return {
    fetch: async (request, env) => hono.fetch(request, env),
    close: async () => {
      clearInterval(cleanupTimer)
      clearInterval(pruneTimer)
      await triggers?.close()
      await live.close()
      await feed.close()
      await functions.close()
    },
    context,
  }
}

/** Logs what the app folder holds that the server does not run, in one line, then the warnings. */
const logAppReport = (logger: Logger, app: AppConfig): void => {
  const summary = ignoredSummary(app.ignored)
  if (summary) logger.warn({ appDir: app.dir, ignored: app.ignored }, summary)
  for (const warning of foldWarnings(app.warnings, app.dir)) {
    logger.warn({ appDir: app.dir }, warning)
  }
}

/**
 * `%function` for rules: runs the function through the runtime as the system user with the
 * caller as `context.user` (so what it reads is not filtered by the rule that asked, and cannot
 * loop back into it), under its own time limit. A failure is logged; the rule then denies.
 */
const ruleFunctionCaller =
  (
    runtime: () => FunctionRunner | undefined,
    options: { readonly logger: Logger; readonly timeLimitMs: number },
  ): RuleFunctionCaller =>
  async ({ name, args, user }) => {
    const functions = runtime()
    if (!functions) throw new Error('the function runtime is not running')
    try {
      return await functions.call({
        name,
        args,
        user: user as FunctionUser | null,
        runAsSystem: true,
        timeLimitMs: options.timeLimitMs,
      })
    } catch (error) {
      options.logger.warn(
        { function: name, err: error },
        'a function called by a rule (%function) failed; the rule denies',
      )
      throw error
    }
  }
