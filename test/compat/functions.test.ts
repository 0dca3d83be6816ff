import { fileURLToPath } from 'node:url'
import {
  App as OurApp,
  Credentials as OurCredentials,
  createMemoryStorage,
  decodeJwtPayload,
} from '@react-custom-data/client'
import {
  demoAppDir,
  startTestServer,
  testStores,
  type TestServer,
} from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

// realm-web 2.0.1 carries its own bson (4.x): its classes are the ones it encodes and decodes.
const { Decimal128, Long, ObjectId } = Realm.BSON

const functionsAppDir = fileURLToPath(
  new URL('../../packages/server/fixtures/functions-app', import.meta.url),
)

describe.each(testStores())(
  'functions from realm-web 2.0.1 and our client, on $kind',
  (storeKind) => {
    let demo: TestServer
    let fixtures: TestServer
    beforeAll(async () => {
      demo = await startTestServer({ appDir: demoAppDir, storeKind })
      fixtures = await startTestServer({
        appDir: functionsAppDir,
        storeKind,
        secrets: { functionsAppApiKey: 'compat-key' },
      })
    })
    afterAll(async () => {
      await fixtures.close()
      await demo.close()
    })

    it("realm-web: the seed's writeCustomUserData, then refreshCustomData() sees the write", async () => {
      const app = createRealmWebApp(demo.url, 'preferences-demo')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      const result = await user.functions.writeCustomUserData!({ favoriteFood: 'pizza', visits: 3 })
      expect(result).toEqual({
        matchedCount: 0,
        modifiedCount: 0,
        upsertedId: expect.any(ObjectId),
      })
      expect(await user.refreshCustomData()).toMatchObject({
        userId: user.id,
        favoriteFood: 'pizza',
        visits: 3,
      })
      expect(await user.functions.writeCustomUserData!({ favoriteFood: 'ramen' })).toEqual({
        matchedCount: 1,
        modifiedCount: 1,
      })
      expect(await user.refreshCustomData()).toMatchObject({ favoriteFood: 'ramen', visits: 3 })
    })

    it('the answer to that call carries X-Refreshed-Access-Token whose user_data holds the write', async () => {
      const app = createRealmWebApp(demo.url, 'preferences-demo')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      // The same request realm-web sends (docs/protocol.md §7.1), to read the header it ignores.
      const answer = await fetch(
        `${demo.url}/api/client/v2.0/app/preferences-demo/functions/call`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${user.accessToken}`,
          },
          body: JSON.stringify({
            name: 'writeCustomUserData',
            arguments: [{ favoriteFood: 'soup' }],
          }),
        },
      )
      expect(answer.status).toBe(200)
      expect(decodeJwtPayload(answer.headers.get('x-refreshed-access-token') ?? '')).toMatchObject({
        sub: user.id,
        user_data: { userId: user.id, favoriteFood: 'soup' },
      })
    })

    it('our client: the write is in user.customData as soon as the call resolves, with no refresh', async () => {
      const app = new OurApp({
        id: 'preferences-demo',
        baseUrl: demo.url,
        storage: createMemoryStorage(),
        autoRefresh: false,
        crossTab: false,
      })
      const user = await app.logIn(OurCredentials.anonymous())
      const before = demo.requests.length
      await user.functions.writeCustomUserData!({ favoriteFood: 'tacos' })
      expect(user.customData).toMatchObject({ userId: user.id, favoriteFood: 'tacos' })
      expect(demo.requests.slice(before)).toEqual([
        'POST /api/client/v2.0/app/preferences-demo/functions/call',
      ])
    })

    it('realm-web: EJSON arguments and answers keep their BSON types', async () => {
      const app = createRealmWebApp(fixtures.url, 'functions-app-abcde')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      const result = (await user.functions.types!({
        id: new ObjectId('65a0000000000000000000aa'),
        at: new Date(0),
        big: Long.fromString('9007199254740993'),
        dec: Decimal128.fromString('1.10'),
        n: 3,
        x: 2.5,
      })) as Record<string, unknown>
      expect(result.inputTypes).toEqual({
        id: 'ObjectId',
        at: 'Date',
        big: 'Long',
        dec: 'Decimal128',
        n: 'number',
        x: 'number',
      })
      const stored = result.stored as Record<string, unknown>
      expect(stored.oid).toEqual(new ObjectId('65a0000000000000000000ee'))
      expect(stored.when).toEqual(new Date(Date.UTC(2024, 0, 2)))
      expect(String(stored.price)).toBe('19.99')
    })

    it('realm-web: nested calls, private functions and errors behave as on App Services', async () => {
      const app = createRealmWebApp(fixtures.url, 'functions-app-abcde')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      expect(await user.callFunction('callPrivate', 2, 3)).toEqual({ sum: 5, by: 'utils/hidden' })
      await expect(user.callFunction('utils/hidden', 1, 2)).rejects.toMatchObject({
        statusCode: 404,
        errorCode: 'FunctionNotFound',
        error: "function not found: 'utils/hidden'",
      })
      const failure = await user.functions.fail!().then(
        () => undefined,
        (error: unknown) => error as Realm.MongoDBRealmError,
      )
      expect(failure).toBeInstanceOf(Realm.MongoDBRealmError)
      expect(failure).toMatchObject({
        statusCode: 400,
        errorCode: 'FunctionExecutionError',
        error: 'this function always fails',
      })
      expect(failure?.message).not.toMatch(/at .*\.js:\d+/)
      await expect(user.callFunction('adminOnly')).rejects.toMatchObject({
        statusCode: 403,
        errorCode: 'NoMatchingRuleFound',
      })
    })
  },
)
