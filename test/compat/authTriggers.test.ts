import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import * as Realm from 'realm-web'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SharedRealmStorage } from '../support/realmWeb'

// App Services' authentication triggers ("Authentication Triggers",
// https://www.mongodb.com/docs/atlas/app-services/triggers/authentication-triggers/): CREATE,
// LOGIN and DELETE, filtered by provider type; the function's only argument is
// { operationType, providers, user, time }. Three of the twelve real exports we tried create the
// user's custom data in a CREATE trigger, one deletes it in a DELETE trigger.
const appDir = fileURLToPath(new URL('./triggers-app', import.meta.url))

/** Waits until `read` answers something other than undefined (no wall-clock bound but 60 s). */
const eventually = async <T>(read: () => Promise<T | undefined>): Promise<T> => {
  const end = Date.now() + 60_000
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.each(testStores())(
  'authentication triggers on $kind, through realm-web 2.0.1',
  (storeKind) => {
    let server: TestServer
    let app: Realm.App

    beforeAll(async () => {
      server = await startTestServer({ appDir, storeKind })
      app = new Realm.App({
        id: 'triggers-app-abcde',
        baseUrl: server.url,
        storage: new SharedRealmStorage(),
      })
    })
    afterAll(() => server.close())

    const docs = async (coll: string, userId: string) =>
      (
        await server.store.query<{ doc: Record<string, unknown> }>(
          `SELECT doc FROM documents WHERE db = 'app' AND coll = $1 AND doc->>'userId' = $2`,
          [coll, userId],
        )
      ).map((row) => row.doc)

    it('a CREATE trigger makes the custom data; refreshCustomData() shows it', async () => {
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      const data = await eventually(async () => {
        const custom = await user.refreshCustomData()
        return custom.plan === undefined ? undefined : custom
      })
      expect(data).toMatchObject({
        userId: user.id,
        plan: 'free',
        providers: ['anon-user'],
        operationType: 'CREATE',
        identities: ['anon-user'],
        systemUser: 'system',
      })
      // The event's time reached the function as a Date: stored as one, it comes back in the
      // token's relaxed EJSON (realm-web does not decode custom data).
      expect(data.at).toEqual({ $date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
      // The next access token carries it too.
      expect(user.customData).toMatchObject({ plan: 'free' })
    })

    it('a LOGIN trigger runs for its provider only', async () => {
      const email = `login-${Date.now()}@example.com`
      await app.emailPasswordAuth.registerUser({ email, password: 'a password' })
      const user = await app.logIn(Realm.Credentials.emailPassword(email, 'a password'))
      await user.logOut()
      await app.logIn(Realm.Credentials.emailPassword(email, 'a password'))
      const logins = await eventually(async () => {
        const found = await docs('logins', user.id)
        return found.length === 2 ? found : undefined
      })
      expect(logins).toMatchObject([
        { providers: ['local-userpass'], email },
        { providers: ['local-userpass'], email },
      ])
      // Anonymous logins are not its provider's.
      const anonymous = await app.logIn(Realm.Credentials.anonymous(false))
      await eventually(async () =>
        (await docs('profiles', anonymous.id)).length ? true : undefined,
      )
      expect(await docs('logins', anonymous.id)).toEqual([])
    })

    it('a DELETE trigger runs when the user is deleted', async () => {
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      await eventually(async () => ((await docs('profiles', user.id)).length ? true : undefined))
      await app.deleteUser(user)
      const [deletion] = await eventually(async () => {
        const found = await docs('deletions', user.id)
        return found.length ? found : undefined
      })
      expect(deletion).toMatchObject({ userId: user.id, providers: ['anon-user'] })
      expect(await docs('profiles', user.id)).toEqual([])
    })
  },
)
