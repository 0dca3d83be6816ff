import * as Realm from 'realm-web'

/**
 * A fresh realm-web `App` (the unmodified official SDK, 2.0.1) pointed at a test server, with its
 * own in-memory storage so tests never share users. `App.getApp` would cache by id; `new` does not.
 */
export const createRealmWebApp = (baseUrl: string, id: string): Realm.App =>
  new Realm.App({ id, baseUrl })

export { Realm }
