import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'

const SAFE_ID = /^[\w.:-]{1,128}$/

/**
 * One structured log line per request (and, at `debug`, one when it arrives), with a request id (the caller's `X-Request-Id` when it is
 * a sane token, else a new one) that is also sent back in `X-Request-Id`. Only the method, the path
 * (never the query string, which may carry tokens), the status and the duration are logged.
 */
export const requestLog =
  (logger: Logger): MiddlewareHandler =>
  async (c, next) => {
    const given = c.req.header('x-request-id')
    const reqId = given && SAFE_ID.test(given) ? given : randomUUID()
    const started = performance.now()
    logger.debug({ reqId, method: c.req.method, path: c.req.path }, 'request received')
    c.header('X-Request-Id', reqId)
    await next()
    const status = c.res.status
    logger[status >= 500 ? 'error' : 'info'](
      {
        reqId,
        method: c.req.method,
        path: c.req.path,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    )
  }
