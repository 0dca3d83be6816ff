import type { Clock } from '../Clock'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Queryable, Store } from '../store/Store'

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
const keyOf = (email: string): string => email.trim().normalize('NFC').toLowerCase()

const pausedFor = (waitMs: number): ServiceError => {
  const seconds = Math.ceil(waitMs / 1000)
  return new ServiceError(
    ErrorCode.TooManyRequests,
    `too many failed logins for this account; try again in ${seconds} s`,
  ).withRetryAfter(seconds)
}

/** The pause after the `failures`th failure: none below the threshold, then doubling to the cap. */
const pauseAfter = (failures: number, rules: AccountBackoffRules): number =>
  failures < rules.threshold
    ? 0
    : Math.min(rules.maxDelayMs, rules.firstDelayMs * 2 ** Math.min(failures - rules.threshold, 30))

/**
 * Takes one password attempt on `email` from the account's allowance, before the password is
 * looked at, and refuses it with 429 and `Retry-After` while the account is paused: during the
 * pause the right password is no more use than a wrong one, so the answer is no oracle for
 * guesses spread over many addresses (docs/reliability.md C6).
 *
 * The attempt is counted as a failure when it is taken, and the pause it would earn is set at
 * the same moment, in one transaction holding the account's row: so however many guesses arrive
 * at once, at most `threshold` of them are ever checked before the pause, then one per pause,
 * each doubling it (up to `maxDelayMs`). Only a successful login (`clearLoginFailures`) or a new
 * password takes the count back. Attempts refused during a pause are not counted: a flood of
 * them cannot lengthen the pause of the account's owner.
 */
export const reserveLoginAttempt = (
  store: Store,
  email: string,
  { clock, rules }: { readonly clock: Clock; readonly rules: AccountBackoffRules },
): Promise<void> =>
  store.transaction(async (tx) => {
    const key = keyOf(email)
    const now = clock.now()
    await tx.query(
      `INSERT INTO login_failures (account_key, failures, last_failure_at) VALUES ($1, 0, $2)
       ON CONFLICT (account_key) DO NOTHING`,
      [key, new Date(now)],
    )
    const [row] = await tx.query<{
      failures: number
      last_failure_at: Date
      blocked_until: Date | null
    }>(
      'SELECT failures, last_failure_at, blocked_until FROM login_failures WHERE account_key = $1 FOR UPDATE',
      [key],
    )
    const blockedUntil = row?.blocked_until ? new Date(row.blocked_until).getTime() : 0
    if (blockedUntil > now) throw pausedFor(blockedUntil - now)
    const forgotten = !row || new Date(row.last_failure_at).getTime() < now - rules.forgetAfterMs
    const failures = (forgotten ? 0 : Number(row.failures)) + 1
    const pause = pauseAfter(failures, rules)
    await tx.query(
      `UPDATE login_failures SET failures = $2, last_failure_at = $3, blocked_until = $4
       WHERE account_key = $1`,
      [key, failures, new Date(now), pause > 0 ? new Date(now + pause) : null],
    )
  })

/** Forgets an account's failed logins: after a successful login or a new password (C7). */
export const clearLoginFailures = async (db: Queryable, email: string): Promise<void> => {
  await db.query('DELETE FROM login_failures WHERE account_key = $1', [keyOf(email)])
}
