import { createStore, type StoreApi } from 'zustand/vanilla'
import { decodeJwtPayload } from './decodeJwtPayload'

/**
 * What `user.profile` holds, as in realm-web: the fields the provider knows about the user, the
 * server's names translated to realm-web's (`picture` is `pictureUrl`, `first_name` is
 * `firstName`, ...), other fields (custom-token metadata) as the server named them.
 */
export interface UserProfile {
  readonly name?: string
  readonly email?: string
  readonly pictureUrl?: string
  readonly firstName?: string
  readonly lastName?: string
  readonly gender?: string
  readonly birthday?: string
  readonly minAge?: string
  readonly maxAge?: string
  readonly [field: string]: unknown
}

/** One login method of a user: the provider and the user's id there. */
export interface UserIdentity {
  readonly id: string
  readonly providerType: string
}

/** The profile of a user as the server reports it (docs/protocol.md §5.3), decoded. */
export interface UserProfileData {
  /** `normal`, or `server` for server API keys. */
  readonly type: string
  readonly identities: readonly UserIdentity[]
  readonly data: UserProfile
}

/** Everything the client keeps about one user; what storage persists and tabs exchange. */
export interface UserRecord {
  readonly id: string
  /** The provider of the user's first login. */
  readonly providerType: string
  /** `null` once the user logged out. */
  readonly accessToken: string | null
  /** `null` once the user logged out. */
  readonly refreshToken: string | null
  /**
   * When the access token expires, in this device's clock (milliseconds since the epoch): the
   * time it arrived plus its lifetime (`exp - iat`), so a device clock that is off does not
   * matter (docs/reliability.md H11). `null` or absent when unknown.
   */
  readonly accessTokenExpiresAt?: number | null
  /**
   * When the session in this record last changed: a login, a refresh, a logout (milliseconds
   * since the epoch, and always later than the previous value). Of two tabs' copies of a record,
   * the newer wins. An access token sent along with an answer (§17.3) and a profile read leave it
   * as it is.
   */
  readonly updatedAt?: number
  readonly profile: UserProfileData | null
}

/** The whole session of one app: its users and which one is current. */
export interface SessionState {
  readonly users: Readonly<Record<string, UserRecord>>
  /** User ids, the most recently logged-in or switched-to first. */
  readonly userIds: readonly string[]
  /** The first user in `userIds` with a refresh token, or null. */
  readonly currentUserId: string | null
}

/** A zustand vanilla store of the session: `getState`, `setState`, `subscribe`. */
export type SessionStore = StoreApi<SessionState>

export const emptySession: SessionState = { users: {}, userIds: [], currentUserId: null }

/**
 * The session state of `users` in the given order: ids without a user and repeats are dropped,
 * and the current user is derived, never set by hand: the first listed user still logged in.
 */
export const nextSession = (
  users: SessionState['users'],
  order: readonly string[],
): SessionState => {
  const userIds = [...new Set(order)].filter((id) => id in users)
  return {
    users,
    userIds,
    currentUserId: userIds.find((id) => users[id]?.refreshToken) ?? null,
  }
}

/** Applies changed users (`null` removes one), and maybe a new order, in one store update. */
export const setUsers = (
  store: SessionStore,
  changes: Readonly<Record<string, UserRecord | null>>,
  order?: readonly string[],
): void =>
  store.setState((state) => {
    const users = { ...state.users }
    for (const [id, record] of Object.entries(changes)) {
      if (record) users[id] = record
      else delete users[id]
    }
    return nextSession(users, order ?? state.userIds)
  })

/**
 * Creates the store every reader (the React package, other tabs, tests) subscribes to, holding
 * `session`. Its initial state is the empty session, though: zustand hands `getInitialState()` to
 * React as the snapshot to hydrate server-rendered HTML with, and the server rendered signed out.
 * The stored session then shows right after hydration instead of failing it.
 */
export const createSessionStore = (session: SessionState): SessionStore => {
  const store = createStore<SessionState>()(() => emptySession)
  store.setState(session, true)
  return store
}

/** A token's lifetime in milliseconds, from its own claims (immune to clock skew). */
const tokenLifetime = (token: string): number => {
  const { exp, iat } = decodeJwtPayload(token)
  return (exp - iat) * 1000
}

/** The token fields of a record that just received `accessToken` (and maybe a rotated refresh token). */
export const withTokens = (
  record: UserRecord,
  accessToken: string | null,
  refreshToken: string | null | undefined = record.refreshToken,
): UserRecord => {
  const lifetime = accessToken ? tokenLifetime(accessToken) : 0
  const now = Date.now()
  return {
    ...record,
    accessToken,
    refreshToken,
    accessTokenExpiresAt: lifetime > 0 ? now + lifetime : null,
    // Always later than the copy it replaces, even after the device clock stepped back: tabs keep
    // the newer of two copies.
    updatedAt: Math.max(now, (record.updatedAt ?? 0) + 1),
  }
}

/**
 * How long before expiry a token counts as due: a tenth of its lifetime, at most a minute
 * (a 30-minute token is refreshed in its last minute, a 5-second test token in its last 0.5 s).
 */
export const refreshMargin = (token: string): number => Math.min(60_000, tokenLifetime(token) / 10)
