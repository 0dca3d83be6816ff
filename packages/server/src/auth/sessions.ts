import { ObjectId } from 'bson'
import type { Clock } from '../Clock'
import type { Queryable } from '../store/Store'
import { createRefreshToken, hashRefreshToken } from './refreshTokens'

export interface OpenSessionInput {
  readonly userId: string
  readonly identityId: string
  readonly deviceId: string
  /** Refresh-token lifetime in seconds. */
  readonly lifetime: number
}

/** A live session: what a refresh token unlocks. */
export interface ActiveSession {
  id: string
  user_id: string
  device_id: string
}

/** Opens a session and returns its id and its refresh token (the only time the token exists in clear). */
export const openSession = async (
  db: Queryable,
  clock: Clock,
  input: OpenSessionInput,
): Promise<{ sessionId: string; refreshToken: string }> => {
  const sessionId = new ObjectId().toHexString()
  const { token, hash } = createRefreshToken()
  const now = clock.now()
  await db.query(
    `INSERT INTO sessions (id, user_id, identity_id, device_id, refresh_token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      sessionId,
      input.userId,
      input.identityId,
      input.deviceId,
      hash,
      new Date(now),
      new Date(now + input.lifetime * 1000),
    ],
  )
  return { sessionId, refreshToken: token }
}

/** Finds the unrevoked, unexpired session a refresh token belongs to, whose user is enabled. */
export const findSessionByRefreshToken = async (
  db: Queryable,
  clock: Clock,
  refreshToken: string,
): Promise<ActiveSession | undefined> => {
  const [row] = await db.query<ActiveSession>(
    `SELECT s.id, s.user_id, s.device_id FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.refresh_token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
        AND NOT u.disabled`,
    [hashRefreshToken(refreshToken), new Date(clock.now())],
  )
  return row
}

/** Answers whether a session is still live (access tokens name their session in `baas_id`). */
export const isSessionActive = async (
  db: Queryable,
  clock: Clock,
  sessionId: string,
): Promise<boolean> => {
  const rows = await db.query(
    'SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2',
    [sessionId, new Date(clock.now())],
  )
  return rows.length > 0
}

/** Revokes a session; answers whether there was a live one to revoke. */
export const revokeSession = async (
  db: Queryable,
  clock: Clock,
  sessionId: string,
): Promise<boolean> => {
  const rows = await db.query(
    'UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
    [sessionId, new Date(clock.now())],
  )
  return rows.length > 0
}
