import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import { ErrorCode, isServiceError } from '../errors/ServiceError'
import { statusOf } from './statusOf'

// Errors that mean the database is out of reach, not that the request was wrong: PostgreSQL's
// connection and shutdown classes, node's socket errors, a closed PGlite.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
])

const isStoreUnavailable = (error: Error): boolean => {
  const code = (error as { code?: unknown }).code
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    /Connection terminated|PGlite is closed|timeout exceeded when trying to connect/i.test(
      error.message,
    )
  )
}

/**
 * The one place errors become answers: a `ServiceError` is the App Services error body with the
 * status of its code (and `Retry-After`); an unreachable store is 503; anything else is our bug, logged whole
 * and answered as a 500 that names no internals (no stack, no SQL, docs/reliability.md D15).
 */
export const handleError =
  (logger: Logger) =>
  (error: Error, c: Context): Response => {
    if (isServiceError(error)) {
      if (error.retryAfterSeconds !== undefined) {
        c.header('Retry-After', String(error.retryAfterSeconds))
      }
      return c.json(
        { ...error.details, error: error.message, error_code: error.code },
        (error.status as ContentfulStatusCode | undefined) ?? statusOf(error.code),
      )
    }
    if (error instanceof HTTPException) {
      return c.json(
        { error: error.message || 'bad request', error_code: ErrorCode.BadRequest },
        error.status,
      )
    }
    if (isStoreUnavailable(error)) {
      logger.error({ err: error, method: c.req.method, path: c.req.path }, 'store unavailable')
      c.header('Retry-After', '5')
      return c.json(
        {
          error: 'the service is temporarily unavailable',
          error_code: ErrorCode.ServiceUnavailable,
        },
        503,
      )
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error')
    return c.json(
      { error: 'internal server error', error_code: ErrorCode.InternalServerError },
      500,
    )
  }
