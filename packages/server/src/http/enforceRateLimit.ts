import type { Context } from 'hono'
import type { ServerContext } from '../ServerContext'
import { clientIp } from './clientIp'
import type { RateLimitName } from './createRateLimiter'
import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** Takes one request from the caller's bucket for `rule`; 429 with `Retry-After` when it is empty. */
export const enforceRateLimit = (ctx: ServerContext, c: Context, rule: RateLimitName): void => {
  if (!ctx.rateLimiter) return
  const decision = ctx.rateLimiter.take(rule, clientIp(c, ctx.settings.trustedProxies))
  if (!decision.allowed) {
    throw new ServiceError(
      ErrorCode.TooManyRequests,
      `too many requests from this address; try again in ${decision.retryAfterSeconds} s`,
    ).withRetryAfter(decision.retryAfterSeconds)
  }
}
