import type { Clock } from '../Clock'
import type { Queryable } from '../store/Store'

// Ended sessions are kept a while so that a late replay of their tokens is still recognised.
const KEEP_ENDED_MS = 7 * 24 * 60 * 60 * 1000

/**
 * Deletes what can never be used again: sessions that expired or were revoked a week ago (their
 * refresh tokens go with them) and used or expired email/password tokens. Answers the rows deleted.
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
  return sessions.length + tokens.length
}
