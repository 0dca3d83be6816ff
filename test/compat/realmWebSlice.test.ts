import {
  demoAppDir,
  startTestServer,
  testStores,
  type TestServer,
} from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Realm } from '../support/realmWeb'
import { SharedRealmStorage } from './sdks'

describe.each(testStores())('realm-web 2.0.1 against the server on $kind', (storeKind) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir, storeKind })
  })
  afterAll(() => server.close())

  it('logs in anonymously, writes custom data through the function and refreshes it', async () => {
    // Its own storage: realm-web's Node build would otherwise share users between the two store
    // runs, and its anonymous "reuse" would pick the first run's logged-out user (PROTOCOL.md §3.7).
    const app = new Realm.App({
      id: 'preferences-demo',
      baseUrl: server.url,
      storage: new SharedRealmStorage(),
    })
    const user = await app.logIn(Realm.Credentials.anonymous())
    expect(user.customData).toEqual({})
    await user.functions.writeCustomUserData!({ favoriteFood: 'pizza' })
    const data = await user.refreshCustomData()
    expect(data).toMatchObject({ userId: user.id, favoriteFood: 'pizza' })
    await user.logOut()
    expect(user.state).toBe('logged-out')
  })
})
