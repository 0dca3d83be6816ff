import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'

const SAFE_ID = /^[\w.:-]{1,128}$/
// A request slower than this is logged at `info` even when it succeeded.
const SLOW_MS = 1000

/**
 * A request id for every request (the caller's `X-Request-Id` when it is a sane token, else a new
 * one), sent back in `X-Request-Id`, and a structured log line: at `error` for a 5xx answer, at
 * `info` for any other failure (4xx) or a request slower than a second, at `debug` for the rest,
 * so that the default level does not pay for a line per successful request (about 10% of refresh
 * throughput, issue 19). At `debug` a line also marks each arrival. Only the method, the path
 * (never the query string, which may carry tokens), the status and the duration are logged.
 */
export const requestLog =
  (logger: Logger): MiddlewareHandler =>
  async (c, next) => {
    const given = c.req.header('x-request-id')
    const reqId = given && SAFE_ID.test(given) ? given : randomUUID()
    const started = performance.now()
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ reqId, method: c.req.method, path: c.req.path }, 'request received')
    }
    await next()
    // On the final response: see corsHeaders.
    c.res.headers.set('X-Request-Id', reqId)
    const status = c.res.status
    const ms = Math.round((performance.now() - started) * 10) / 10
    const level = status >= 500 ? 'error' : status >= 400 || ms >= SLOW_MS ? 'info' : 'debug'
    if (!logger.isLevelEnabled(level)) return
    logger[level]({ reqId, method: c.req.method, path: c.req.path, status, ms }, 'request')
  }
