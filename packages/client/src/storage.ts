/** Where the session persists: `localStorage` in browsers, memory elsewhere, or your own. */
export interface SessionStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
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

/** `localStorage` when the environment has a working one, else memory. */
export const createDefaultStorage = (): SessionStorage => {
  try {
    const local = globalThis.localStorage
    const probe = '__react-custom-data-probe__'
    local.setItem(probe, probe)
    local.removeItem(probe)
    return {
      get: (key) => local.getItem(key),
      set: (key, value) => local.setItem(key, value),
      remove: (key) => local.removeItem(key),
    }
  } catch {
    return createMemoryStorage()
  }
}
