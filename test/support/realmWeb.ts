import * as Realm from 'realm-web'

type Listener = () => void

/** realm-web's `Storage` interface over one Map, so a second `App` on it sees the first one's data. */
export class SharedRealmStorage {
  readonly #values: Map<string, string>
  readonly #prefix: string
  constructor(values = new Map<string, string>(), prefix = '') {
    this.#values = values
    this.#prefix = prefix
  }
  get(key: string): string | null {
    return this.#values.get(this.#prefix + key) ?? null
  }
  set(key: string, value: string): void {
    this.#values.set(this.#prefix + key, value)
  }
  remove(key: string): void {
    this.#values.delete(this.#prefix + key)
  }
  prefix(keyPart: string): SharedRealmStorage {
    return new SharedRealmStorage(this.#values, `${this.#prefix}${keyPart}:`)
  }
  clear(prefix = ''): void {
    for (const key of [...this.#values.keys()]) {
      if (key.startsWith(this.#prefix + prefix)) this.#values.delete(key)
    }
  }
  addListener(_listener: Listener): void {}
  removeListener(_listener: Listener): void {}
}

/**
 * A fresh realm-web `App` (the unmodified official SDK, 2.0.1) pointed at a test server, with its
 * own in-memory storage so tests never share users. `App.getApp` would cache by id; `new` does not.
 */
export const createRealmWebApp = (baseUrl: string, id: string): Realm.App =>
  // Without a storage, realm-web's Node build shares one module-wide memory storage.
  new Realm.App({ id, baseUrl, storage: new SharedRealmStorage() })

export { Realm }
