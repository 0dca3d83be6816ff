import type { Logger } from 'pino'
import type { AppConfig } from './appFolder/AppConfig'
import type { PasswordHasher } from './auth/createPasswordHasher'
import type { TokenService } from './auth/createTokenService'
import type { Mailer } from './auth/Mailer'
import type { Clock } from './Clock'
import type { CollectionProvider } from './collection/createCollectionProvider'
import type { ChangeFeed } from './feed/createChangeFeed'
import type { FunctionRunner } from './functions/FunctionRunner'
import type { AccountBackoffRules } from './auth/accountBackoff'
import type { RateLimiter } from './http/createRateLimiter'
import type { LiveHub } from './live/createLiveHub'
import type { LiveSettings } from './live/LiveSettings'
import type { Store } from './store/Store'

/** Server-wide settings with their defaults applied. */
export interface ServerSettings {
  /** Access-token lifetime in seconds. */
  readonly accessTokenLifetime: number
  /** Refresh-token (session) lifetime in seconds. */
  readonly refreshTokenLifetime: number
  /** The largest request body accepted, in bytes. */
  readonly maxBodyBytes: number
  /** Send `X-Refreshed-Access-Token` when a call changed the caller's custom data (§17.3). */
  readonly refreshedTokenHeader: boolean
  /** `optional`: sessions rotate when the login asks; `required`: every session must ask (§17.1). */
  readonly refreshTokenRotation: 'optional' | 'required'
  /** How long a rotated-out refresh token still answers with its successor, in seconds. */
  readonly rotationGraceSeconds: number
  /** A session unused for this many seconds is dead; null for no idle timeout. */
  readonly sessionIdleTimeout: number | null
  /** Largest custom-data document carried in a token, in bytes of JSON (§17.4). */
  readonly customDataMaxBytes: number
  /** How long the change feed keeps events every registered consumer has passed, in seconds. */
  readonly changeRetentionSeconds: number
  /** Peers whose `X-Forwarded-For` is believed for rate limiting. Empty: none. */
  readonly trustedProxies: ReadonlySet<string>
  /** The origin clients are sent to by location discovery; null: worked out per request. */
  readonly publicUrl: string | null
  /** Password length bounds for local-userpass, in characters. */
  readonly passwordMinLength: number
  readonly passwordMaxLength: number
  /** Lifetime of confirmation and reset tokens, in seconds. */
  readonly userpassTokenLifetime: number
  /** Live streams: the custom-data stream and `watch()` (docs/protocol.md §17.7). */
  readonly live: LiveSettings
}

/** What every route handler is built from: the loaded app and the services it runs on. */
export interface ServerContext {
  readonly app: AppConfig
  readonly store: Store
  readonly tokens: TokenService
  readonly functions: FunctionRunner
  /** Opens collections with the caller's rules: for function code and realm-web's `mongoClient`. */
  readonly collections: CollectionProvider
  /** Every change to a document, in commit order: for triggers, live streams, refreshed tokens. */
  readonly feed: ChangeFeed
  /** The open live streams of this process (the custom-data stream, `watch()`). */
  readonly live: LiveHub
  readonly clock: Clock
  readonly logger: Logger
  readonly settings: ServerSettings
  readonly passwords: PasswordHasher
  readonly mailer: Mailer
  /** Null when rate limits are off. */
  readonly rateLimiter: RateLimiter | null
  /** The per-account backoff on failed password logins; null when rate limits are off. */
  readonly accountBackoff: AccountBackoffRules | null
  /** The HMAC key that derives rotated refresh tokens (auth/refreshTokens.ts). */
  readonly rotationSecret: Buffer
  /**
   * A secret's value by name (App Services secrets are not exported with an app): the
   * `createServer({ secrets })` map first, then the environment variable `SECRET_<NAME>`.
   */
  secret(name: string): string | undefined
}
