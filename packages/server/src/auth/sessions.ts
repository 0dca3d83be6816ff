import { ObjectId } from 'bson'
import type { CustomUserDataConfig } from '../appFolder/AppConfig'
import type { Clock } from '../Clock'
import { customDataSubquery } from '../customData/readCustomData'
import type { Queryable } from '../store/Store'
import { createRefreshToken, hashRefreshToken } from './refreshTokens'

export interface OpenSessionInput {
  readonly userId: string
  readonly identityId: string | null
  readonly deviceId: string
  /** Refresh-token lifetime in seconds. */
  readonly lifetime: number
  /** The client asked for refresh-token rotation (docs/protocol.md §17.1). */
  readonly rotating: boolean
  /** Opened by the anon-user provider. */
  readonly anonymous: boolean
}

/** A live session: what a refresh token unlocks. */
export interface ActiveSession {
  id: string
  user_id: string
  device_id: string
  /** Opened by the anon-user provider. */
  anonymous: boolean
}

/** Everything known about the session a refresh token belongs to, live or not. */
export interface SessionOfToken extends ActiveSession {
  rotating: boolean
  /** When this token was rotated out; null while it is the session's current token. */
  token_rotated_at: Date | null
  revoked_at: Date | null
  expires_at: Date
  last_used_at: Date | null
  user_disabled: boolean
  /** The user's stored custom-data document, when asked for and present. */
  custom_doc?: unknown
}

/** Opens a session and returns its id and its refresh token (the only time the token exists in clear). */
export const openSession = async (
  db: Queryable,
  clock: Clock,
  input: OpenSessionInput,
): Promise<{ sessionId: string; refreshToken: string }> => {
  const sessionId = new ObjectId().toHexString()
  const { token, hash } = createRefreshToken()
  const now = new Date(clock.now())
  await db.query(
    `WITH s AS (
       INSERT INTO sessions (id, user_id, identity_id, device_id, rotating, anonymous, created_at, last_used_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $9, $6, $6, $7) RETURNING id)
     INSERT INTO refresh_tokens (hash, session_id, created_at) SELECT $8, id, $6 FROM s`,
    [
      sessionId,
      input.userId,
      input.identityId,
      input.deviceId,
      input.rotating,
      now,
      new Date(now.getTime() + input.lifetime * 1000),
      hash,
      input.anonymous,
    ],
  )
  return { sessionId, refreshToken: token }
}

/**
 * The session a refresh token belongs to, whatever its state; undefined for an unknown token.
 * `customData` reads the user's custom-data document in the same query, so that a refresh costs
 * one round trip to the store.
 */
export const findSessionOfToken = async (
  db: Queryable,
  refreshToken: string,
  options: { customData?: CustomUserDataConfig | null } = {},
): Promise<SessionOfToken | undefined> => {
  const customDoc = options.customData
    ? `, ${customDataSubquery(options.customData, 's.user_id')} AS custom_doc`
    : ''
  const [row] = await db.query<SessionOfToken>(
    `SELECT s.id, s.user_id, s.device_id, s.rotating, rt.rotated_at AS token_rotated_at,
            s.revoked_at, s.expires_at, s.last_used_at, u.disabled AS user_disabled,
            s.anonymous${customDoc}
       FROM refresh_tokens rt
       JOIN sessions s ON s.id = rt.session_id
       JOIN users u ON u.id = s.user_id
      WHERE rt.hash = $1`,
    [hashRefreshToken(refreshToken)],
  )
  return row
}

/** Whether a session found by its token may still be used at `now` (idle timeout in seconds). */
export const isSessionUsable = (
  session: SessionOfToken,
  now: number,
  idleTimeout: number | null,
): boolean =>
  session.revoked_at === null &&
  new Date(session.expires_at).getTime() > now &&
  !session.user_disabled &&
  (idleTimeout === null ||
    session.last_used_at === null ||
    new Date(session.last_used_at).getTime() + idleTimeout * 1000 > now)

/**
 * Finds the live session whose *current* refresh token this is (API-key routes authenticate with
 * it, docs/protocol.md §6). A rotated-out token does not count here, nor does a session past the idle
 * timeout (seconds; null for none): a refresh would refuse it, so must everything else.
 */
export const findSessionByRefreshToken = async (
  db: Queryable,
  refreshToken: string,
  at: { readonly now: number; readonly idleTimeout: number | null },
): Promise<ActiveSession | undefined> => {
  const session = await findSessionOfToken(db, refreshToken)
  if (!session || session.token_rotated_at !== null) return undefined
  return isSessionUsable(session, at.now, at.idleTimeout) ? session : undefined
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

/** Revokes every session of a user (password reset, account changes). */
export const revokeUserSessions = async (
  db: Queryable,
  clock: Clock,
  userId: string,
): Promise<void> => {
  await db.query('UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
    userId,
    new Date(clock.now()),
  ])
}
