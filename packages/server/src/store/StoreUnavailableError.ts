import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** How long a client is told to wait before trying again while the database is out of reach. */
export const STORE_RETRY_AFTER_SECONDS = 5

// PostgreSQL's classes for a connection that is gone or refused (08: connection exception;
// 57P01-57P03: the server shut down, crashed or is starting; 53300: too many connections),
// Node's socket errors, and the words pg and PGlite use for a connection they gave up on.
const CONNECTION_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])
const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|^timeout expired$|Client was closed|PGlite is closed/i

/** True for an error that says the database is out of reach, not that the statement was wrong. */
export const isConnectionError = (error: unknown): boolean => {
  if (error instanceof StoreUnavailableError) return true
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  return (
    (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
    (typeof message === 'string' && CONNECTION_MESSAGES.test(message))
  )
}

/**
 * The database could not be reached, or dropped the connection a request was using: the request
 * fails (503 with `Retry-After`), nothing it did is committed, and the server carries on. The
 * driver's own error, which may name hosts, stays in `cause` for the log.
 */
export class StoreUnavailableError extends ServiceError {
  constructor(cause: unknown) {
    super(ErrorCode.ServiceUnavailable, 'the service is temporarily unavailable')
    this.name = 'StoreUnavailableError'
    this.cause = cause
    this.withRetryAfter(STORE_RETRY_AFTER_SECONDS)
  }
}

/** Rethrows a connection error as `StoreUnavailableError`, anything else as it is. */
export const rethrowUnavailable = (error: unknown): never => {
  if (isConnectionError(error) && !(error instanceof StoreUnavailableError)) {
    throw new StoreUnavailableError(error)
  }
  throw error
}
