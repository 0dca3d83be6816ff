import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import { ErrorCode, isServiceError } from '../errors/ServiceError'
import { isConnectionError, StoreUnavailableError } from '../store/StoreUnavailableError'
import { statusOf } from './statusOf'

/**
 * The one place errors become answers: a `ServiceError` is the App Services error body with the
 * status of its code (and `Retry-After`); an unreachable store is 503 (`StoreUnavailableError`),
 * logged; anything else is our bug, logged whole and answered as a 500 that names no internals
 * (no stack, no SQL, docs/reliability.md D15).
 */
export const handleError =
  (logger: Logger) =>
  (thrown: Error, c: Context): Response => {
    // A connection error that reached here without the store's wrapping is just as much a 503.
    const error =
      isConnectionError(thrown) && !(thrown instanceof StoreUnavailableError)
        ? new StoreUnavailableError(thrown)
        : thrown
    if (isServiceError(error)) {
      if (error instanceof StoreUnavailableError) {
        logger.warn(
          { err: error.cause, method: c.req.method, path: c.req.path },
          'the database is unavailable; answered 503',
        )
      }
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
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error')
    return c.json(
      { error: 'internal server error', error_code: ErrorCode.InternalServerError },
      500,
    )
  }
