import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { SigningKeySource } from '../auth/signingKeys'
import type { CreateServerOptions } from '../createServer'
import { staticSiteProblem } from '../http/withStaticSite'
import { startServer, type RunningServer } from '../startServer'
import type { CliCommand } from './CliCommand'
import {
  appDirOf,
  env,
  exitWithStartupError,
  fail,
  integer,
  STORE_OPTIONS,
  STORE_OPTIONS_USAGE,
  storeOptionsOf,
} from './cliSupport'

const OPTIONS = {
  ...STORE_OPTIONS,
  port: { type: 'string' },
  host: { type: 'string' },
  environment: { type: 'string' },
  'log-level': { type: 'string' },
  'signing-key-file': { type: 'string' },
  'access-token-secret': { type: 'string' },
  'access-token-lifetime': { type: 'string' },
  'refresh-token-lifetime': { type: 'string' },
  'refresh-token-rotation': { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  'rate-limits': { type: 'string' },
  'drain-timeout': { type: 'string' },
  'change-retention': { type: 'string' },
  static: { type: 'string' },
  'app-id': { type: 'string' },
  'strict-secrets': { type: 'boolean' },
} as const

type StartValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

const USAGE = `  custom-data-server start --app <folder> [options]

Options of start (each has an environment variable; the flag wins):
${STORE_OPTIONS_USAGE}
  --port <n>                     port; 0 picks a free one (default 8080)        PORT
  --host <address>               interface (default 127.0.0.1)                  HOST
  --environment <tag>            environments/<tag>.json values                 APP_ENVIRONMENT
  --log-level <level>            fatal..trace or silent (default info)          LOG_LEVEL
  --signing-key-file <path>      Ed25519 private JWK for access tokens          SIGNING_KEY_FILE
                                 (or the JWK itself in SIGNING_KEY; default: keys kept in the store)
  --access-token-secret <s>      sign HS256 with this secret (32+ bytes)        ACCESS_TOKEN_SECRET
  --access-token-lifetime <s>    seconds (default 1800)                         ACCESS_TOKEN_LIFETIME
  --refresh-token-lifetime <s>   seconds (default 5184000, 60 days)             REFRESH_TOKEN_LIFETIME
  --refresh-token-rotation <m>   optional | required (default optional)         REFRESH_TOKEN_ROTATION
  --trusted-proxy <address>      believe X-Forwarded-* from it; repeatable      TRUSTED_PROXIES (a,b)
  --public-url <url>             the URL clients reach the server at            PUBLIC_URL
                                 (answered by location discovery)
  --rate-limits <on|off>         per-IP and per-account login limits (on)       RATE_LIMITS
  --drain-timeout <ms>           how long shutdown waits for requests (10000)   DRAIN_TIMEOUT_MS
  --change-retention <s>         keep change-feed events this long once every   CHANGE_RETENTION
                                 trigger has passed them (default 3600)
  --static <folder>              also serve this built web app (its index.html  STATIC_DIR
                                 for unknown pages); API routes keep priority
  --app-id <id>                  the client App ID to answer to; the folder's   APP_ID
                                 own keeps working too
  --strict-secrets               refuse to start when a secret has no value     STRICT_SECRETS=true
                                 (default: disable what needs it, and warn)`

const signingOf = (values: StartValues): SigningKeySource | undefined => {
  const secret = values['access-token-secret'] ?? env('ACCESS_TOKEN_SECRET')
  const keyFile = values['signing-key-file'] ?? env('SIGNING_KEY_FILE')
  const privateJwk = env('SIGNING_KEY')
  if (secret && (keyFile || privateJwk)) {
    return fail('choose one way to sign: an HS256 secret or an Ed25519 key, not both')
  }
  if (secret) return { algorithm: 'HS256', secret }
  if (keyFile) return { algorithm: 'EdDSA', keyFile: resolve(keyFile) }
  if (privateJwk) return { algorithm: 'EdDSA', privateJwk }
  return undefined
}

const serverOptionsOf = (
  values: StartValues,
): Omit<CreateServerOptions, 'app' | 'store' | 'logger'> => {
  const rotation = values['refresh-token-rotation'] ?? env('REFRESH_TOKEN_ROTATION')
  if (rotation !== undefined && rotation !== 'optional' && rotation !== 'required') {
    fail(`--refresh-token-rotation must be optional or required, got "${rotation}"`)
  }
  const rateLimits = values['rate-limits'] ?? env('RATE_LIMITS') ?? 'on'
  if (rateLimits !== 'on' && rateLimits !== 'off') {
    fail(`--rate-limits must be on or off, got "${rateLimits}"`)
  }
  const trusted = [
    ...(values['trusted-proxy'] ?? []),
    ...(values['trusted-proxy'] ? [] : (env('TRUSTED_PROXIES') ?? '').split(',')),
  ]
    .map((address) => address.trim())
    .filter((address) => address !== '')
  const accessLifetime = integer(
    '--access-token-lifetime',
    values['access-token-lifetime'] ?? env('ACCESS_TOKEN_LIFETIME'),
    [60, 86_400],
  )
  const refreshLifetime = integer(
    '--refresh-token-lifetime',
    values['refresh-token-lifetime'] ?? env('REFRESH_TOKEN_LIFETIME'),
    [1_800, 5 * 365 * 86_400],
  )
  const changeRetention = integer(
    '--change-retention',
    values['change-retention'] ?? env('CHANGE_RETENTION'),
    [0, 365 * 86_400],
  )
  const signing = signingOf(values)
  const publicUrl = values['public-url'] ?? env('PUBLIC_URL')
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/i.test(publicUrl)) {
    fail(`--public-url must be an http(s) URL with no path, got "${publicUrl}"`)
  }
  const strictSecrets = values['strict-secrets'] === true || env('STRICT_SECRETS') === 'true'
  return {
    ...(strictSecrets ? { strictSecrets } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(signing ? { signing } : {}),
    ...(accessLifetime !== undefined ? { accessTokenLifetime: accessLifetime } : {}),
    ...(refreshLifetime !== undefined ? { refreshTokenLifetime: refreshLifetime } : {}),
    ...(rotation ? { refreshTokenRotation: rotation as 'optional' | 'required' } : {}),
    ...(rateLimits === 'off' ? { rateLimits: false as const } : {}),
    ...(changeRetention !== undefined ? { changeRetention } : {}),
    trustedProxies: trusted,
  }
}

const start = async (values: StartValues): Promise<void> => {
  const appDir = appDirOf(values)
  const port = integer('--port', values.port ?? env('PORT'), [0, 65_535]) ?? 8080
  const drainTimeoutMs = integer(
    '--drain-timeout',
    values['drain-timeout'] ?? env('DRAIN_TIMEOUT_MS'),
    [0, 600_000],
  )
  const environment = values.environment ?? env('APP_ENVIRONMENT')
  const appId = values['app-id'] ?? env('APP_ID')
  const staticDir = values.static ?? env('STATIC_DIR')
  const staticProblem = staticDir === undefined ? null : staticSiteProblem(resolve(staticDir))
  if (staticProblem) return fail(`--static: ${staticProblem}`)
  const server = serverOptionsOf(values)
  const store = storeOptionsOf(values)
  // Signals are handled from the start: one that arrives while the server is still starting stops
  // it as soon as it listens; a second one while draining is ignored rather than killing the drain.
  let running: RunningServer | undefined
  let stopping: string | undefined
  // A signal while the server still waits for its database gives up the start.
  const starting = new AbortController()
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = signal
    if (!running) {
      starting.abort(new Error(`${signal} before the server was ready`))
      return
    }
    process.stdout.write(`custom-data-server: ${signal}, draining and stopping\n`)
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`custom-data-server: shutdown failed: ${(error as Error).message}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  try {
    running = await startServer({
      appDir,
      store,
      port,
      host: values.host ?? env('HOST') ?? '127.0.0.1',
      logLevel: (values['log-level'] ?? env('LOG_LEVEL') ?? 'info') as 'info',
      ...(environment !== undefined ? { environment } : {}),
      ...(appId !== undefined ? { appId } : {}),
      ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
      ...(staticDir !== undefined ? { staticDir: resolve(staticDir) } : {}),
      server,
      signal: starting.signal,
    })
  } catch (error) {
    if (starting.signal.aborted) {
      process.stdout.write(`custom-data-server: ${stopping}, stopped before it was ready\n`)
      return process.exit(0)
    }
    return exitWithStartupError(error)
  }
  process.stdout.write(`custom-data-server listening on ${running.url}\n`)
  if (stopping) {
    const signal = stopping
    stopping = undefined
    shutdown(signal)
  }
}

/** `custom-data-server start`: serves an app folder until SIGINT or SIGTERM, then drains. */
export const startCommand: CliCommand = {
  name: 'start',
  usage: USAGE,
  run: (argv) => start(parseArgs({ args: [...argv], options: OPTIONS }).values),
}
