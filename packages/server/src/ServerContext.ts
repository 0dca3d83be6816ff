import type { Logger } from 'pino'
import type { AppConfig } from './appFolder/AppConfig'
import type { TokenService } from './auth/createTokenService'
import type { Clock } from './Clock'
import type { FunctionRunner } from './functions/FunctionRunner'
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
}

/** What every route handler is built from: the loaded app and the services it runs on. */
export interface ServerContext {
  readonly app: AppConfig
  readonly store: Store
  readonly tokens: TokenService
  readonly functions: FunctionRunner
  readonly clock: Clock
  readonly logger: Logger
  readonly settings: ServerSettings
}
