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
import { withLock } from './withLock'

export interface TokenManagerOptions {
  readonly store: SessionStore
  readonly persistence: SessionPersistence
  /** Names the cross-tab refresh lock: `<prefix>refresh(<userId>)`. */
  readonly prefix: string
  readonly request: Request
}

/** The token lifecycle of an app's users; the transport's view of the session. */
export interface TokenManager extends TransportSession {
  /** Ends a user's session on the server (if it has one) and forgets the tokens either way. */
  logOut(userId: string): Promise<void>
}

/** The error for a request on behalf of a user who has no session (logged out or removed). */
export const loggedOut = (userId: string): ApiError =>
  apiError('InvalidSession', `User ${userId} is logged out; log in again`, { status: 401 })

const isDue = ({ accessToken, accessTokenExpiresAt }: UserRecord): boolean =>
  !accessToken ||
  (accessTokenExpiresAt != null && Date.now() >= accessTokenExpiresAt - refreshMargin(accessToken))

/**
 * Refreshes access tokens ahead of expiry and on demand: one refresh in flight per user in this
 * tab, one across tabs (a Web Lock, after re-reading storage, since another tab may have rotated
 * the refresh token already), refresh-token rotation adopted (PROTOCOL.md §17.1), tokens the
 * server sends along adopted when they belong to the same session (§17.3).
 */
export const createTokenManager = ({
  store,
  persistence,
  prefix,
  request,
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
  const markLoggedOut = (userId: string): void => setTokens(userId, null, null)

  const refreshUnderLock = async (userId: string, staleToken: string | null): Promise<void> => {
    persistence.reload(userId)
    const record = recordOf(userId)
    if (!record?.refreshToken) throw loggedOut(userId)
    // Another tab (or an earlier flight) refreshed since this one was asked for: use its token.
    if (record.accessToken !== staleToken) return
    const answer = await request<{ access_token?: unknown; refresh_token?: unknown } | null>({
      method: 'POST',
      path: '/auth/session',
      tokenType: 'refresh',
      userId,
      idempotent: true,
    })
    const accessToken = asString(answer?.access_token)
    if (accessToken === undefined) throw invalidResponse('refresh')
    setTokens(userId, accessToken, asString(answer?.refresh_token))
  }

  const refreshAccessToken = (userId: string, staleToken: string | null): Promise<void> => {
    let flight = flights.get(userId)
    if (!flight) {
      flight = withLock(`${prefix}refresh(${userId})`, () =>
        refreshUnderLock(userId, staleToken),
      ).finally(() => flights.delete(userId))
      flights.set(userId, flight)
    }
    return flight
  }

  return {
    refreshAccessToken,
    markLoggedOut,
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
      const held = recordOf(userId)?.accessToken
      if (!held) return
      try {
        const next = decodeJwtPayload(token)
        const current = decodeJwtPayload(held)
        if (next.sub === userId && next.baas_id === current.baas_id && next.iat >= current.iat)
          setTokens(userId, token)
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
        markLoggedOut(userId)
      }
    },
  }
}
