import { apiError, invalidResponse, isApiError, type ApiError } from './ApiError'
import { asString } from './asString'
import type { Request, TransportSession } from './createTransport'
import { decodeJwtPayload } from './decodeJwtPayload'
import type { SessionPersistence } from './persistSession'
import {
  refreshMargin,
  setUsers,
  withTokens,
  type SessionStore,
  type UserRecord,
} from './sessionStore'
import { sleep } from './sleep'
import { withLock } from './withLock'

export interface TokenManagerOptions {
  readonly store: SessionStore
  readonly persistence: SessionPersistence
  /** Names the cross-tab refresh lock: `<prefix>refresh(<userId>)`. */
  readonly prefix: string
  readonly request: Request
  /** Whether other tabs read the tokens from the same storage (`localStorage`). */
  readonly shared?: boolean | undefined
}

/** The token lifecycle of an app's users; the transport's view of the session. */
export interface TokenManager extends TransportSession {
  /** Ends a user's session on the server (if it has one) and forgets the tokens either way. */
  logOut(userId: string): Promise<void>
}

/**
 * How long a tab that refreshed keeps the refresh lock after storing the new tokens. Chromium
 * hands a localStorage write to the other tabs asynchronously, and a tab that was waiting for the
 * lock reads storage as soon as it gets it: without this moment it may find the old token and
 * refresh a second time (docs/reliability.md H1). The tab's own callers do not wait for it.
 */
const LINGER_MS = 100

/** The error for a request on behalf of a user who has no session (logged out or removed). */
export const loggedOut = (userId: string): ApiError =>
  apiError('InvalidSession', `User ${userId} is logged out; log in again`, { status: 401 })

const isDue = ({ accessToken, accessTokenExpiresAt }: UserRecord): boolean =>
  !accessToken ||
  (accessTokenExpiresAt != null && Date.now() >= accessTokenExpiresAt - refreshMargin(accessToken))

/**
 * Refreshes access tokens ahead of expiry and on demand: one refresh in flight per user in this
 * tab, one across tabs (a Web Lock, after re-reading storage, since another tab may have rotated
 * the refresh token already), refresh-token rotation adopted (docs/protocol.md §17.1), tokens the
 * server sends along adopted when they belong to the same session (§17.3).
 */
export const createTokenManager = ({
  store,
  persistence,
  prefix,
  request,
  shared,
}: TokenManagerOptions): TokenManager => {
  const flights = new Map<string, Promise<void>>()
  const recordOf = (userId: string): UserRecord | undefined => store.getState().users[userId]

  const setTokens = (
    userId: string,
    accessToken: string | null,
    refreshToken?: string | null,
  ): void => {
    const record = recordOf(userId)
    if (record) setUsers(store, { [userId]: withTokens(record, accessToken, refreshToken) })
  }
  // Whether the user still holds the refresh token a request was sent with: an answer that
  // arrives after a logout or a new login belongs to a session this device no longer holds, and
  // must neither bring it back nor end the new one.
  const holds = (userId: string, refreshToken: string | null): boolean =>
    recordOf(userId)?.refreshToken === refreshToken

  // Resolves true when it sent a refresh, false when another tab or flight already had.
  const refreshUnderLock = async (userId: string, staleToken: string | null): Promise<boolean> => {
    persistence.reload(userId)
    const record = recordOf(userId)
    if (!record?.refreshToken) throw loggedOut(userId)
    // Another tab (or an earlier flight) refreshed since this one was asked for: use its tokens.
    // The stale token is the access token a request was refused with, or the refresh token.
    if (record.accessToken !== staleToken && record.refreshToken !== staleToken) return false
    const answer = await request<{ access_token?: unknown; refresh_token?: unknown } | null>({
      method: 'POST',
      path: '/auth/session',
      tokenType: 'refresh',
      userId,
      idempotent: true,
    })
    const accessToken = asString(answer?.access_token)
    if (accessToken === undefined) throw invalidResponse('refresh')
    if (holds(userId, record.refreshToken)) {
      // An access token adopted while this answer was on its way (one a function call sent
      // along, §17.3) may carry a write this answer predates: it stays, its expiry counted again
      // from now (late by the answer's trip at most). The rotated refresh token is taken.
      const held = recordOf(userId)!.accessToken
      setTokens(
        userId,
        held === record.accessToken ? accessToken : held,
        asString(answer?.refresh_token),
      )
    } else if (!recordOf(userId)?.refreshToken) throw loggedOut(userId)
    return true
  }

  const refreshAccessToken = (userId: string, staleToken: string | null): Promise<void> => {
    let flight = flights.get(userId)
    if (!flight) {
      flight = new Promise<void>((resolve, reject) => {
        withLock(`${prefix}refresh(${userId})`, () =>
          refreshUnderLock(userId, staleToken).then((refreshed) => {
            resolve()
            return refreshed && shared ? sleep(LINGER_MS) : undefined
          }),
        ).catch(reject)
      }).finally(() => flights.delete(userId))
      flights.set(userId, flight)
    }
    return flight
  }

  return {
    refreshAccessToken,
    markLoggedOut(userId, refreshToken) {
      if (holds(userId, refreshToken)) setTokens(userId, null, null)
    },
    async tokenFor(userId, type) {
      const before = recordOf(userId)
      if (before?.refreshToken && type === 'access' && isDue(before))
        await refreshAccessToken(userId, before.accessToken)
      const record = recordOf(userId)
      const token = record?.refreshToken && record[`${type}Token`]
      if (!token) throw loggedOut(userId)
      return token
    },
    offerAccessToken(userId, token) {
      const record = recordOf(userId)
      if (!record?.accessToken) return
      try {
        const next = decodeJwtPayload(token)
        const current = decodeJwtPayload(record.accessToken)
        // One the server signed already expired (exp capped at the presented token's, passed
        // while the call ran) would never come due here: the held token gets refreshed instead.
        if (
          next.sub === userId &&
          next.baas_id === current.baas_id &&
          next.iat >= current.iat &&
          next.exp > next.iat
        )
          // The session is no newer (the same refresh token): the record keeps its age, so that
          // a rotation another tab made meanwhile wins over it in every tab.
          setUsers(store, {
            [userId]: { ...withTokens(record, token), updatedAt: record.updatedAt },
          })
      } catch {
        // A malformed header is ignored: the token the user holds still works.
      }
    },
    async logOut(userId) {
      if (!recordOf(userId)?.refreshToken) return
      try {
        await request({
          method: 'DELETE',
          path: '/auth/session',
          tokenType: 'refresh',
          userId,
          idempotent: true,
        })
      } catch (error) {
        // A session the server no longer knows is over already; anything else is reported.
        if (!isApiError(error) || error.status !== 401) throw error
      } finally {
        // Whatever the server said, this device forgets the tokens.
        setTokens(userId, null, null)
      }
    },
  }
}
