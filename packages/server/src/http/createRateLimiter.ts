import type { Clock } from '../Clock'

/** One limit: a bucket of `burst` requests that refills at `limit` per `windowSeconds`. */
export interface RateLimitRule {
  readonly burst: number
  readonly limit: number
  readonly windowSeconds: number
}

/** The routes that are limited per client IP (docs/reliability.md §2.3, GoTrue's defaults). */
export interface RateLimitRules {
  /** Logins with a secret: password, API key, custom JWT, custom function. */
  readonly login: RateLimitRule
  /** `POST /auth/session`. */
  readonly refresh: RateLimitRule
  /** Registration and the email/password routes that send mail or run functions. */
  readonly register: RateLimitRule
  /** Anonymous sign-ups: each one creates a user. */
  readonly anonymous: RateLimitRule
}

export type RateLimitName = keyof RateLimitRules

export const DEFAULT_RATE_LIMITS: RateLimitRules = {
  login: { burst: 30, limit: 150, windowSeconds: 300 },
  refresh: { burst: 30, limit: 150, windowSeconds: 300 },
  register: { burst: 30, limit: 30, windowSeconds: 300 },
  anonymous: { burst: 30, limit: 30, windowSeconds: 3600 },
}

export type RateLimitDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }

export interface RateLimiter {
  /** Takes one request from `key`'s bucket for `rule`; atomic (one event loop, no await inside). */
  take(rule: RateLimitName, key: string): RateLimitDecision
}

interface Bucket {
  tokens: number
  at: number
}

// Buckets kept at most; full buckets are dropped first, then the oldest, so memory stays bounded
// however many addresses call.
const MAX_BUCKETS = 100_000

/**
 * In-memory token buckets per rule and client key. The state is per process and starts empty on
 * restart (docs/reliability.md C10); behind a load balancer each instance limits on its own.
 */
export const createRateLimiter = (rules: RateLimitRules, clock: Clock): RateLimiter => {
  const buckets = new Map<string, Bucket>()

  const refill = (bucket: Bucket, rule: RateLimitRule, now: number): void => {
    // A clock that steps backwards (NTP) must not drain or overfill a bucket.
    const elapsed = Math.max(0, now - bucket.at) / 1000
    bucket.tokens = Math.min(
      rule.burst,
      bucket.tokens + (elapsed * rule.limit) / rule.windowSeconds,
    )
    bucket.at = now
  }

  const prune = (now: number): void => {
    for (const [id, bucket] of buckets) {
      const rule = rules[id.slice(0, id.indexOf(' ')) as RateLimitName]
      refill(bucket, rule, now)
      if (bucket.tokens >= rule.burst) buckets.delete(id)
    }
    for (const id of buckets.keys()) {
      if (buckets.size <= MAX_BUCKETS * 0.9) break
      buckets.delete(id)
    }
  }

  return {
    take(name, key) {
      const rule = rules[name]
      const now = clock.now()
      const id = `${name} ${key}`
      let bucket = buckets.get(id)
      if (!bucket) {
        if (buckets.size >= MAX_BUCKETS) prune(now)
        bucket = { tokens: rule.burst, at: now }
        buckets.set(id, bucket)
      } else {
        refill(bucket, rule, now)
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return { allowed: true }
      }
      const secondsPerToken = rule.windowSeconds / rule.limit
      return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) * secondsPerToken) }
    },
  }
}
