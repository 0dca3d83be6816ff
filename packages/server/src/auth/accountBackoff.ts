import type { Clock } from '../Clock'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Queryable } from '../store/Store'

/** When failed password logins on one account start to be slowed down (docs/reliability.md C6). */
export interface AccountBackoffRules {
  /** Failed logins before the first pause. */
  readonly threshold: number
  /** The first pause; each further failure doubles it. */
  readonly firstDelayMs: number
  /** The longest pause. */
  readonly maxDelayMs: number
  /** Failures older than this are forgotten (Keycloak's "failure reset time"). */
  readonly forgetAfterMs: number
}

export const DEFAULT_ACCOUNT_BACKOFF: AccountBackoffRules = {
  threshold: 10,
  firstDelayMs: 1000,
  maxDelayMs: 15 * 60 * 1000,
  forgetAfterMs: 12 * 60 * 60 * 1000,
}

// Counted by address as typed, case aside: "Alice@x" and "alice@x" are one target for an attacker.
// Unknown addresses are counted too, so that a pause never tells whether an account exists.
const keyOf = (email: string): string => email.trim().toLowerCase()

/**
 * Refuses a password login on an account in its pause with 429 and `Retry-After`, before the
 * password is looked at: during the pause the right password is no more use than a wrong one, so
 * the answer is no oracle for guesses spread over many addresses (docs/reliability.md C6).
 */
export const enforceAccountBackoff = async (
  db: Queryable,
  clock: Clock,
  email: string,
): Promise<void> => {
  const [row] = await db.query<{ blocked_until: Date | null }>(
    'SELECT blocked_until FROM login_failures WHERE account_key = $1',
    [keyOf(email)],
  )
  const waitMs = row?.blocked_until ? new Date(row.blocked_until).getTime() - clock.now() : 0
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000)
    throw new ServiceError(
      ErrorCode.TooManyRequests,
      `too many failed logins for this account; try again in ${seconds} s`,
    ).withRetryAfter(seconds)
  }
}

/**
 * Counts one failed password login on `email`; from the `threshold`th on, the account pauses for
 * `firstDelayMs`, doubling with each further failure up to `maxDelayMs`. Concurrent failures are
 * each counted (one upsert), and the pause only ever grows.
 */
export const recordLoginFailure = async (
  db: Queryable,
  email: string,
  { clock, rules }: { readonly clock: Clock; readonly rules: AccountBackoffRules },
): Promise<void> => {
  const now = clock.now()
  const [row] = await db.query<{ failures: number }>(
    `INSERT INTO login_failures (account_key, failures, last_failure_at) VALUES ($1, 1, $2)
     ON CONFLICT (account_key) DO UPDATE SET
       failures = CASE WHEN login_failures.last_failure_at < $3 THEN 1
                       ELSE login_failures.failures + 1 END,
       last_failure_at = $2
     RETURNING failures`,
    [keyOf(email), new Date(now), new Date(now - rules.forgetAfterMs)],
  )
  const failures = Number(row?.failures ?? 0)
  if (failures < rules.threshold) return
  const delay = Math.min(
    rules.maxDelayMs,
    rules.firstDelayMs * 2 ** Math.min(failures - rules.threshold, 30),
  )
  // GREATEST: of two failures racing here, the later pause wins whichever writes last.
  await db.query(
    'UPDATE login_failures SET blocked_until = GREATEST(blocked_until, $2) WHERE account_key = $1',
    [keyOf(email), new Date(now + delay)],
  )
}

/** Forgets an account's failed logins: after a successful login or a new password (C7). */
export const clearLoginFailures = async (db: Queryable, email: string): Promise<void> => {
  await db.query('DELETE FROM login_failures WHERE account_key = $1', [keyOf(email)])
}
