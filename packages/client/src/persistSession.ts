import { decodeJwtPayload } from './decodeJwtPayload'
import {
  nextSession,
  setUsers,
  type SessionState,
  type SessionStore,
  type UserRecord,
} from './sessionStore'
import type { SessionStorage } from './storage'

/** What one tab tells the others: changed users (`null` when removed), maybe the new order. */
interface TabMessage {
  readonly users: Record<string, UserRecord | null>
  readonly userIds?: readonly string[]
}

export interface SessionPersistence {
  /**
   * Adopts what storage holds for one user when it is newer than what this tab holds: another
   * tab may have rotated the token.
   */
  reload(userId: string): void
}

export interface PersistSessionOptions {
  readonly store: SessionStore
  readonly storage: SessionStorage
  /** The key prefix, `react-custom-data:app(<id>):`; also the BroadcastChannel's name. */
  readonly prefix: string
  /** Exchange changes with other tabs over a BroadcastChannel. */
  readonly crossTab: boolean
}

/** The storage key of the user list (`name` omitted) or of one user. */
const keyOf = (prefix: string, userId?: string): string =>
  userId ? `${prefix}user(${userId})` : `${prefix}userIds`

const warn = (message: string, error: unknown): void =>
  console.warn(`react-custom-data: ${message} (${String(error)})`)

const isToken = (token: unknown): boolean => token === null || typeof token === 'string'

/**
 * Reads one stored JSON value. A corrupt one is removed with a warning and reads as null, so it
 * costs that entry only: one user, never the others.
 */
const readJson = <T>(
  storage: SessionStorage,
  key: string,
  isValid: (value: T) => unknown,
): T | null => {
  try {
    // A missing key reads as null: JSON.parse(null) parses the text "null".
    const value = JSON.parse(storage.get(key) as string) as T | null
    if (value === null || isValid(value)) return value
    throw new TypeError('unexpected shape')
  } catch (error) {
    warn(`reset the unreadable "${key}"`, error)
    storage.remove(key)
    return null
  }
}

const readUser = (storage: SessionStorage, prefix: string, id: string): UserRecord | null =>
  readJson<UserRecord>(
    storage,
    keyOf(prefix, id),
    (record) =>
      record.id === id &&
      typeof record.providerType === 'string' &&
      isToken(record.accessToken) &&
      isToken(record.refreshToken) &&
      // A token that does not decode throws, which resets the entry.
      (!record.accessToken || decodeJwtPayload(record.accessToken)),
  )

/**
 * Reads the session a previous page (or another tab) left in storage: the user list, and each
 * user under its own key.
 */
export const loadSession = (storage: SessionStorage, prefix: string): SessionState => {
  const ids =
    readJson<string[]>(
      storage,
      keyOf(prefix),
      (value) => Array.isArray(value) && value.every((id) => typeof id === 'string'),
    ) ?? []
  const users: Record<string, UserRecord> = {}
  for (const id of ids) {
    const record = readUser(storage, prefix, id)
    if (record) users[id] = record
  }
  return nextSession(users, ids)
}

/** Stores a value as JSON, or removes the key for null. */
const write = (storage: SessionStorage, key: string, value: unknown): void => {
  try {
    if (value) storage.set(key, JSON.stringify(value))
    else storage.remove(key)
  } catch (error) {
    // A full or blocked storage must not break the session in memory.
    warn(`could not store "${key}"`, error)
  }
}

/**
 * Writes every change of the session store to storage, one key per user, and (with `crossTab`)
 * tells the other tabs of the app over a BroadcastChannel, whose changes it merges in turn.
 */
export const persistSession = ({
  store,
  storage,
  prefix,
  crossTab,
}: PersistSessionOptions): SessionPersistence => {
  const channel =
    crossTab && typeof BroadcastChannel === 'function' ? new BroadcastChannel(prefix) : undefined
  // Changes that came from another tab are not echoed and, on shared storage, not written again.
  let remote = false
  const merge = (message: TabMessage): void => {
    const { users, userIds } = store.getState()
    remote = true
    try {
      setUsers(
        store,
        // Two tabs' messages may cross: a record is taken only when at least as new as this
        // tab's copy, so the older change never undoes the newer one in either tab.
        Object.fromEntries(
          Object.entries(message.users).filter(
            ([id, record]) => !record || (record.updatedAt ?? 0) >= (users[id]?.updatedAt ?? 0),
          ),
        ),
        // Users this tab listed that the sender had not heard of yet stay listed, after its own.
        message.userIds && [...message.userIds, ...userIds],
      )
    } finally {
      remote = false
    }
  }

  store.subscribe((state, previous) => {
    const users: Record<string, UserRecord | null> = {}
    for (const id in { ...previous.users, ...state.users }) {
      if (state.users[id] !== previous.users[id]) users[id] = state.users[id] ?? null
    }
    const userIds = state.userIds === previous.userIds ? undefined : state.userIds
    if (!remote || !storage.shared) {
      for (const id in users) write(storage, keyOf(prefix, id), users[id])
      if (userIds) write(storage, keyOf(prefix), userIds)
    }
    if (!remote) channel?.postMessage({ users, userIds } satisfies TabMessage)
  })

  if (channel) {
    channel.onmessage = (event: MessageEvent<TabMessage>) => merge(event.data)
    // Node keeps a process alive while a channel is open; a browser tab has no such problem.
    ;(channel as { unref?: () => void }).unref?.()
  }

  return {
    reload(userId) {
      if (!storage.shared) return
      const stored = readUser(storage, prefix, userId)
      const held = store.getState().users[userId]
      // Only a newer copy: a browser hands one tab's storage writes to the others asynchronously
      // (and a full storage keeps an old one), so storage may hold a record this tab already
      // replaced: a rotated-out token, or one without a write's custom data.
      if (stored && (!held || (stored.updatedAt ?? 0) > (held.updatedAt ?? 0)))
        merge({ users: { [userId]: stored } })
    },
  }
}
