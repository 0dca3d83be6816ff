import { customDataClaim, readCustomData } from '../customData/readCustomData'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import type { Queryable } from '../store/Store'
import { hashRefreshToken, successorOf } from './refreshTokens'
import { findSessionOfToken, isSessionUsable, type ActiveSession } from './sessions'

/** What a refresh yields: the session, and the successor token when the session rotates. */
export interface RefreshOutcome {
  readonly session: ActiveSession
  /** The user's custom data as the `user_data` claim carries it; undefined when there is none. */
  readonly userData: unknown
  /** Present only for rotating sessions (docs/protocol.md §17.1); realm-web's never rotate. */
  readonly refreshToken?: string
}

// How far a reused token inside the grace window may be followed to the session's current token.
const MAX_CHAIN_STEPS = 16

export const invalidSession = (): ServiceError =>
  new ServiceError(ErrorCode.InvalidSession, 'invalid session')

type Rotation = { kind: 'ok'; token: string } | { kind: 'reused' } | { kind: 'dead' }

const tokenState = async (
  tx: Queryable,
  token: string,
): Promise<{ rotated_at: Date | null } | undefined> => {
  const [row] = await tx.query<{ rotated_at: Date | null }>(
    'SELECT rotated_at FROM refresh_tokens WHERE hash = $1',
    [hashRefreshToken(token)],
  )
  return row
}

/**
 * Rotates under the session's row lock, so that concurrent refreshes with one token serialise and
 * all land on the same successor (docs/reliability.md B13, B16). The token's state is read after the lock
 * is held, in a statement of its own: under READ COMMITTED that statement sees what the previous
 * holder committed (a join in the locking statement would see the token as it was before the wait).
 */
const rotate = (ctx: ServerContext, token: string, sessionId: string): Promise<Rotation> =>
  ctx.store.transaction(async (tx): Promise<Rotation> => {
    const secret = ctx.rotationSecret
    await tx.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId])
    const now = ctx.clock.now()
    const session = await findSessionOfToken(tx, token)
    if (!session || !isSessionUsable(session, now, ctx.settings.sessionIdleTimeout)) {
      return { kind: 'dead' }
    }
    const touch = () =>
      tx.query('UPDATE sessions SET last_used_at = $2 WHERE id = $1', [session.id, new Date(now)])
    if (session.token_rotated_at === null) {
      const next = successorOf(token, secret)
      await tx.query(
        `WITH old AS (UPDATE refresh_tokens SET rotated_at = $2 WHERE hash = $1 RETURNING session_id)
         INSERT INTO refresh_tokens (hash, session_id, created_at) SELECT $3, session_id, $2 FROM old`,
        [hashRefreshToken(token), new Date(now), hashRefreshToken(next)],
      )
      await touch()
      return { kind: 'ok', token: next }
    }
    // A rotated-out token. Its direct successor still current: the answer to the first refresh was
    // lost, or another tab refreshed first; answer that successor again (B13, B14).
    const withinGrace =
      now - new Date(session.token_rotated_at).getTime() <= ctx.settings.rotationGraceSeconds * 1000
    let candidate = token
    for (let step = 0; step < (withinGrace ? MAX_CHAIN_STEPS : 1); step++) {
      candidate = successorOf(candidate, secret)
      const state = await tokenState(tx, candidate)
      if (!state) break
      if (state.rotated_at === null) {
        await touch()
        return { kind: 'ok', token: candidate }
      }
    }
    // Anything else is a replay of an old token: someone else holds the session. Revoke it whole;
    // the transaction commits this even though the request fails (B12, B15).
    await tx.query('UPDATE sessions SET revoked_at = $2 WHERE id = $1', [session.id, new Date(now)])
    return { kind: 'reused' }
  })

/**
 * `POST /auth/session`: checks a refresh token and, for a rotating session, rotates it. An unknown,
 * expired, revoked, idle or reused token is 401 `InvalidSession`; an unknown one never revokes
 * anything (a guessed token must not be a way to log someone out, B23).
 */
export const refreshSession = async (
  ctx: ServerContext,
  token: string,
): Promise<RefreshOutcome> => {
  const now = ctx.clock.now()
  const session = await findSessionOfToken(ctx.store, token, {
    customData: ctx.app.customUserData,
  })
  if (!session || !isSessionUsable(session, now, ctx.settings.sessionIdleTimeout)) {
    throw invalidSession()
  }
  if (!session.rotating) {
    if (ctx.settings.sessionIdleTimeout !== null) {
      await ctx.store.query('UPDATE sessions SET last_used_at = $2 WHERE id = $1', [
        session.id,
        new Date(now),
      ])
    }
    return { session, userData: customDataClaim(session.custom_doc) }
  }
  const rotation = await rotate(ctx, token, session.id)
  if (rotation.kind === 'reused') {
    ctx.logger.warn(
      { sessionId: session.id, userId: session.user_id },
      'a rotated-out refresh token was presented again; the session is revoked',
    )
  }
  if (rotation.kind !== 'ok') throw invalidSession()
  // Read after the rotation committed: a write that landed meanwhile is in this token.
  const userData = await readCustomData(ctx.store, ctx.app.customUserData, session.user_id)
  return { session, userData, refreshToken: rotation.token }
}
