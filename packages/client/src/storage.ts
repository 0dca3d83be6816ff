/**
 * Where the session persists: `localStorage` in browsers, memory elsewhere, or your own adapter
 * (IndexedDB-backed, encrypted, a cookie, ...). Values are strings; methods are synchronous.
 */
export interface SessionStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
  /**
   * Whether every tab of the origin sees the same values, as with `localStorage`. Shared storage
   * turns cross-tab sync on by default and is re-read before a token refresh.
   */
  readonly shared?: boolean
}

/** Storage that lives as long as the page or process. */
export const createMemoryStorage = (): SessionStorage => {
  const values = new Map<string, string>()
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => void values.set(key, value),
    remove: (key) => void values.delete(key),
  }
}

/** `localStorage` when the environment has a readable one (marked `shared`), else memory. */
export const createDefaultStorage = (): SessionStorage => {
  try {
    const local = globalThis.localStorage
    // A read throws where storage is blocked. No test write: a full storage still holds the
    // session, and the session's own writes warn when they fail.
    local.getItem('react-custom-data')
    return {
      get: (key) => local.getItem(key),
      set: (key, value) => local.setItem(key, value),
      remove: (key) => local.removeItem(key),
      shared: true,
    }
  } catch {
    return createMemoryStorage()
  }
}
