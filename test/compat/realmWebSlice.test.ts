import {
  demoAppDir,
  startTestServer,
  testStores,
  type TestServer,
} from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

describe.each(testStores())('realm-web 2.0.1 against the server on $kind', (storeKind) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir, storeKind })
  })
  afterAll(() => server.close())

  it('logs in anonymously, writes custom data through the function and refreshes it', async () => {
    // Its own storage: otherwise realm-web's anonymous "reuse" would pick the first store run's
    // logged-out user (docs/protocol.md §3.7).
    const app = createRealmWebApp(server.url, 'preferences-demo')
    const user = await app.logIn(Realm.Credentials.anonymous())
    expect(user.customData).toEqual({})
    await user.functions.writeCustomUserData!({ favoriteFood: 'pizza' })
    const data = await user.refreshCustomData()
    expect(data).toMatchObject({ userId: user.id, favoriteFood: 'pizza' })
    await user.logOut()
    expect(user.state).toBe('logged-out')
  })
})
