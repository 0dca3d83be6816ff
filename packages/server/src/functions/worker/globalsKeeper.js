// @ts-check
// The worker's globals between calls. A worker runs many calls, one after another, for different
// users: a global one call sets must not be there for the next. Globals that packages define while
// they load stay (the package needs them on later calls, and loads only once per worker); the
// runtime's own globals (`BSON`, `EJSON`, `utils`, `console`) are put back if a call replaced them.

export const createGlobalsKeeper = () => {
  const global = /** @type {Record<PropertyKey, unknown>} */ (/** @type {unknown} */ (globalThis))
  /** @type {Map<string, unknown>} */
  const installed = new Map()
  /** @type {Set<PropertyKey>} */
  const baseline = new Set(Reflect.ownKeys(globalThis))

  return {
    /** Defines one of the runtime's globals. */
    install(/** @type {string} */ name, /** @type {unknown} */ value) {
      installed.set(name, value)
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true })
      baseline.add(name)
    },
    /** Keeps every global that exists now (called when a package has loaded). */
    adopt() {
      for (const key of Reflect.ownKeys(globalThis)) baseline.add(key)
    },
    /** Removes the globals added since, and restores the runtime's own. */
    reset() {
      for (const key of Reflect.ownKeys(globalThis)) {
        if (baseline.has(key)) continue
        try {
          delete global[key]
        } catch {
          // A non-configurable global cannot be removed; it stays.
        }
      }
      for (const [name, value] of installed) {
        if (global[name] !== value) {
          Object.defineProperty(globalThis, name, { value, writable: true, configurable: true })
        }
      }
    },
  }
}
