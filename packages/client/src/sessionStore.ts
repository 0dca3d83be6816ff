import { createStore, type StoreApi } from 'zustand/vanilla'

/** The profile of a user as the server reports it (PROTOCOL.md §5.3), decoded. */
export interface UserProfileData {
  readonly type: string
  readonly identities: readonly { readonly id: string; readonly providerType: string }[]
  readonly data: Readonly<Record<string, unknown>>
}

/** Everything the client keeps about one user; what storage persists. */
export interface UserRecord {
  readonly id: string
  /** The provider of the user's first login. */
  readonly providerType: string
  /** `null` once the user logged out. */
  readonly accessToken: string | null
  /** `null` once the user logged out. */
  readonly refreshToken: string | null
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

/** The current user is derived, never set by hand: the first listed user still logged in. */
export const withCurrentUser = (state: Omit<SessionState, 'currentUserId'>): SessionState => ({
  ...state,
  currentUserId: state.userIds.find((id) => state.users[id]?.refreshToken) ?? null,
})

/** Creates the store every reader (the React package, other tabs, tests) subscribes to. */
export const createSessionStore = (initial: SessionState = emptySession): SessionStore =>
  createStore<SessionState>()(() => initial)
