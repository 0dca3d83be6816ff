import type { Clock } from '../Clock'
import type { Queryable } from '../store/Store'

// Ended sessions are kept a while so that a late replay of their tokens is still recognised.
const KEEP_ENDED_MS = 7 * 24 * 60 * 60 * 1000
const KEEP_FAILURES_MS = 24 * 60 * 60 * 1000

/**
 * Deletes what can never be used again: sessions that expired or were revoked a week ago (their
 * refresh tokens go with them), used or expired email/password tokens, and failed-login counts a
 * day old. Answers the rows deleted.
 */
export const cleanupExpired = async (db: Queryable, clock: Clock): Promise<number> => {
  const now = clock.now()
  const horizon = new Date(now - KEEP_ENDED_MS)
  const sessions = await db.query(
    'DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1 RETURNING id',
    [horizon],
  )
  const tokens = await db.query(
    'DELETE FROM userpass_tokens WHERE expires_at < $1 OR used_at IS NOT NULL RETURNING id',
    [new Date(now)],
  )
  // Failed-login counts are forgotten after 12 hours by default (accountBackoff.ts); a day-old one
  // that no longer pauses anything can go.
  const failures = await db.query(
    `DELETE FROM login_failures WHERE last_failure_at < $1
       AND (blocked_until IS NULL OR blocked_until < $2) RETURNING account_key`,
    [new Date(now - KEEP_FAILURES_MS), new Date(now)],
  )
  return sessions.length + tokens.length + failures.length
}
