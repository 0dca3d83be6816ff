import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoAppDir } from '../testing/demoAppDir'
import { pgliteTestStore, testStores } from '../testing/testStores'
import type { FeedPosition } from '../feed/FeedPosition'
import {
  appFolderVariant,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from '../testUtils'

const functionsAppDir = fileURLToPath(new URL('../../fixtures/functions-app', import.meta.url))

type Login = Awaited<ReturnType<InProcessServer['logInAnonymously']>>

const callFunction = (s: InProcessServer, login: Login, call: { name: string; args?: unknown[] }) =>
  s.request('POST', `/app/${s.appId}/functions/call`, {
    token: login.access_token,
    body: { name: call.name, arguments: call.args ?? [] },
  })

/** A realm-web `mongoClient('mongodb-atlas')` call (docs/protocol.md §11), on app.notes by default. */
const serviceCall = (
  s: InProcessServer,
  login: Login,
  call: { name: string; options: Record<string, unknown>; service?: string },
) =>
  s.request('POST', `/app/${s.appId}/functions/call`, {
    token: login.access_token,
    body: {
      name: call.name,
      arguments: [{ database: 'app', collection: 'notes', ...call.options }],
      service: call.service ?? 'mongodb-atlas',
    },
  })

describe.each(testStores())('functions/call on $kind', (storeKind) => {
  let demo: InProcessServer
  let app: InProcessServer
  beforeAll(async () => {
    demo = await createInProcessServer(storeKind, {
      appDir: demoAppDir,
      functionLimits: { maxConcurrentCallsPerUser: 100 },
    })
    app = await createInProcessServer(storeKind, {
      appDir: functionsAppDir,
      shareStore: demo.store,
      functionLimits: { maxConcurrentCallsPerUser: 100 },
    })
  })
  afterAll(async () => {
    await app.close()
    await demo.close()
  })

  describe("the seed's writeCustomUserData", () => {
    it('answers the write with X-Refreshed-Access-Token whose user_data holds it (§17.3)', async () => {
      const login = await demo.logInAnonymously()
      const answer = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: [{ favoriteFood: 'pizza' }],
      })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({
        matchedCount: { $numberInt: '0' },
        modifiedCount: { $numberInt: '0' },
        upsertedId: { $oid: expect.any(String) },
      })
      const token = answer.headers.get('x-refreshed-access-token')
      const claims = decodeJwtPayload(token ?? '')
      expect(claims).toMatchObject({
        sub: login.user_id,
        baas_id: decodeJwtPayload(login.access_token).baas_id,
        user_data: { userId: login.user_id, favoriteFood: 'pizza' },
      })
      // The same value again changes nothing: no new token.
      const again = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: [{ favoriteFood: 'pizza' }],
      })
      expect(again.body).toEqual({
        matchedCount: { $numberInt: '1' },
        modifiedCount: { $numberInt: '0' },
      })
      expect(again.headers.get('x-refreshed-access-token')).toBeNull()
    })

    it('E1: 50 parallel writes for one user leave one document equal to one of the payloads', async () => {
      const login = await demo.logInAnonymously()
      const payloads = Array.from({ length: 50 }, (_, i) => ({ favoriteFood: `food-${i}`, n: i }))
      const answers = await Promise.all(
        payloads.map((payload) =>
          callFunction(demo, login, { name: 'writeCustomUserData', args: [payload] }),
        ),
      )
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      const rows = await demo.store.query<{
        doc: { favoriteFood: string; n: { $numberInt: string } }
      }>(
        `SELECT doc FROM documents WHERE db = 'custom-user-data-database' AND coll = 'custom-user-data' AND doc->>'userId' = $1`,
        [login.user_id],
      )
      expect(rows).toHaveLength(1)
      const final = rows[0]?.doc
      expect(payloads).toContainEqual({
        favoriteFood: final?.favoriteFood,
        n: Number(final?.n.$numberInt),
      })
      expect(answers.filter((answer) => 'upsertedId' in (answer.body as object))).toHaveLength(1)
    })

    it('E1: no update is lost: 50 parallel $inc through a function count to 50', async () => {
      const login = await app.logInAnonymously()
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          callFunction(app, login, { name: 'bump', args: [`c${i}`] }),
        ),
      )
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      const mine = await callFunction(app, login, { name: 'readProfile', args: [login.user_id] })
      expect(mine.body).toMatchObject({ userId: login.user_id, version: { $numberInt: '50' } })
    })

    it('E2: a first-ever write raced by two requests: both succeed, one document, no 500', async () => {
      const login = await demo.logInAnonymously()
      const [a, b] = await Promise.all([
        callFunction(demo, login, { name: 'writeCustomUserData', args: [{ a: 1 }] }),
        callFunction(demo, login, { name: 'writeCustomUserData', args: [{ b: 2 }] }),
      ])
      expect([a?.status, b?.status]).toEqual([200, 200])
      const rows = await demo.store.query(
        `SELECT doc FROM documents WHERE db = 'custom-user-data-database' AND coll = 'custom-user-data' AND doc->>'userId' = $1`,
        [login.user_id],
      )
      expect(rows).toHaveLength(1)
    })

    it("E5: a payload naming another user or _id never touches that user's document", async () => {
      const alice = await demo.logInAnonymously()
      const bob = await demo.logInAnonymously()
      await callFunction(demo, bob, {
        name: 'writeCustomUserData',
        args: [{ favoriteFood: 'soup' }],
      })
      const [bobsDoc] = await demo.store.query<{ id: string }>(
        `SELECT id FROM documents WHERE doc->>'userId' = $1`,
        [bob.user_id],
      )
      const attack = await callFunction(demo, alice, {
        name: 'writeCustomUserData',
        args: [
          {
            userId: bob.user_id,
            _id: JSON.parse(bobsDoc?.id ?? '{}') as unknown,
            favoriteFood: 'hacked',
          },
        ],
      })
      expect(attack.status).toBe(200)
      const bobNow = await demo.store.query<{ doc: { favoriteFood: string } }>(
        `SELECT doc FROM documents WHERE doc->>'userId' = $1`,
        [bob.user_id],
      )
      expect(bobNow.map((row) => row.doc.favoriteFood)).toEqual(['soup'])
      // A function that does not strip the fields is stopped by the rules instead.
      const moved = await callFunction(app, await app.logInAnonymously(), {
        name: 'writeMine',
        args: [{ userId: bob.user_id }],
      })
      expect(moved.status).toBe(400)
      expect(moved.body).toMatchObject({ error: expect.stringContaining('update not permitted') })
    })

    it('E5: a user-id field made an array cannot capture another user’s later writes', async () => {
      // MongoDB's { userId: id } also matches arrays holding id: were the custom-data collection's
      // own rule evaluated that way, Mallory could list Bob in her document's userId, and Bob's
      // next write (updateOne({ userId: bob }, ..., { upsert: true })) would land in her document.
      const mallory = await app.logInAnonymously()
      const bob = await app.logInAnonymously()
      const claim = await callFunction(app, mallory, {
        name: 'writeMine',
        args: [{ userId: [mallory.user_id, bob.user_id] }],
      })
      expect(claim.status).toBe(400)
      expect(claim.body).toMatchObject({ error: expect.stringContaining('update not permitted') })
      const written = await callFunction(app, bob, { name: 'writeMine', args: [{ secret: 's3' }] })
      expect(written.status).toBe(200)
      const hers = await callFunction(app, mallory, {
        name: 'readProfile',
        args: [mallory.user_id],
      })
      expect(JSON.stringify(hers.body)).not.toContain('s3')
      const his = await callFunction(app, bob, { name: 'readProfile', args: [bob.user_id] })
      expect(his.body).toMatchObject({ userId: bob.user_id, secret: 's3' })
    })

    it('G7: arguments over the body limit are a 413 before anything runs', async () => {
      const login = await demo.logInAnonymously()
      const answer = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: [{ big: 'x'.repeat(1024 * 1024) }],
      })
      expect(answer.status).toBe(413)
      expect(answer.body).toMatchObject({ error_code: 'PayloadTooLarge' })
      const rows = await demo.store.query(`SELECT 1 FROM documents WHERE doc->>'userId' = $1`, [
        login.user_id,
      ])
      expect(rows).toEqual([])
    })

    it('G10: the function path validates like every other: size, NUL, $-keys, prototype keys', async () => {
      const login = await demo.logInAnonymously()
      const tooBig = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: [{ notes: 'x'.repeat(17 * 1024) }],
      })
      expect(tooBig.status).toBe(400)
      expect(tooBig.body).toMatchObject({
        error_code: 'FunctionExecutionError',
        error: expect.stringContaining('at most 16384 bytes'),
      })
      const nul = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: [{ name: 'a\u0000b' }],
      })
      expect(nul.status).toBe(400)
      const dollar = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: [{ nested: { $where: 'x' } }],
      })
      expect(dollar.status).toBe(400)
      expect(dollar.body).toMatchObject({ error: expect.stringContaining('cannot start with "$"') })
      const proto = await demo.request('POST', `/app/${demo.appId}/functions/call`, {
        token: login.access_token,
        body: '{"name":"writeCustomUserData","arguments":[{"__proto__":{"isAdmin":true}}]}',
      })
      expect(proto.status).toBe(400)
      const notAnObject = await callFunction(demo, login, {
        name: 'writeCustomUserData',
        args: ['pizza'],
      })
      expect(notAnObject.body).toEqual({
        error: 'writeCustomUserData expects an object of fields to set',
        error_code: 'FunctionExecutionError',
      })
      const rows = await demo.store.query(`SELECT 1 FROM documents WHERE doc->>'userId' = $1`, [
        login.user_id,
      ])
      expect(rows).toEqual([])
    })
  })

  describe('the change feed', () => {
    const feedEvents = async (after: FeedPosition, coll: string) => {
      const page = await app.server.context.feed.readChanges({
        after,
        filter: { db: 'app', coll },
        fullDocument: true,
        limit: 1000,
      })
      return page.changes.map(({ event }) => event)
    }

    it('records what each path wrote: the user-creation function, a function, a mongoClient call', async () => {
      const start = await app.server.context.feed.latestPosition()
      const login = await app.logInAnonymously()
      await callFunction(app, login, { name: 'writeMine', args: [{ color: 'red' }] })
      const note = await serviceCall(app, login, {
        name: 'insertOne',
        options: { document: { ownerId: login.user_id, title: 'from the client' } },
      })
      expect(note.status).toBe(200)
      const profiles = (await feedEvents(start, 'profiles')).filter(
        (event) => event.fullDocument?.userId === login.user_id,
      )
      expect(profiles.map((event) => [event.operationType, event.fullDocument])).toEqual([
        ['insert', expect.objectContaining({ createdBy: 'onUserCreated', plan: 'free' })],
        ['update', expect.objectContaining({ plan: 'free', color: 'red' })],
      ])
      const notes = (await feedEvents(start, 'notes')).filter(
        (event) => event.fullDocument?.ownerId === login.user_id,
      )
      expect(notes.map((event) => [event.operationType, event.fullDocument?.title])).toEqual([
        ['insert', 'from the client'],
      ])
    })

    it('§17.3: the refreshed token follows the feed: a change to the caller’s document during the call, by any path, is in it', async () => {
      // The function says it started (a note), then waits until it sees the change.
      const dir = await appFolderVariant(functionsAppDir, {
        'functions/waitForPro.js': `exports = async function () {
          const db = context.services.get('mongodb-atlas').db('app')
          await db.collection('notes').insertOne({ ownerId: context.user.id, title: 'waiting' })
          for (let i = 0; i < 1000; i += 1) {
            const mine = await db.collection('profiles').findOne({ userId: context.user.id })
            if (mine && mine.plan === 'pro') return 'seen'
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
          return 'not seen'
        }`,
      })
      const variant = await createInProcessServer(storeKind, { appDir: dir, shareStore: app.store })
      try {
        const login = await variant.logInAnonymously()
        const call = callFunction(variant, login, { name: 'waitForPro' })
        const started = async () =>
          (
            await variant.store.query(
              `SELECT 1 FROM documents WHERE coll = 'notes' AND doc->>'ownerId' = $1`,
              [login.user_id],
            )
          ).length > 0
        while (!(await started())) await new Promise((resolve) => setTimeout(resolve, 10))
        // An operator changes the caller's document with plain SQL while the call runs.
        await variant.store.query(
          `UPDATE documents SET doc = jsonb_set(doc, '{plan}', '"pro"')
            WHERE db = 'app' AND coll = 'profiles' AND doc->>'userId' = $1`,
          [login.user_id],
        )
        const answer = await call
        expect(answer.body).toBe('seen')
        const token = answer.headers.get('x-refreshed-access-token')
        expect(decodeJwtPayload(token ?? '')).toMatchObject({ user_data: { plan: 'pro' } })
      } finally {
        await variant.close()
      }
    })

    it('§17.3: no refreshed token for a call that wrote elsewhere, or wrote nothing new', async () => {
      const login = await app.logInAnonymously()
      const other = await callFunction(app, login, {
        name: 'notes',
        args: ['insertOne', { ownerId: login.user_id, title: 'elsewhere' }],
      })
      expect(other.status).toBe(200)
      expect(other.headers.get('x-refreshed-access-token')).toBeNull()
      const same = await callFunction(app, login, { name: 'writeMine', args: [{ plan: 'free' }] })
      expect(same.status).toBe(200)
      expect(same.headers.get('x-refreshed-access-token')).toBeNull()
      const read = await serviceCall(app, login, {
        name: 'findOne',
        options: { collection: 'profiles', query: {} },
      })
      expect(read.status).toBe(200)
      expect(read.headers.get('x-refreshed-access-token')).toBeNull()
    })
  })

  describe("realm-web's mongoClient service actions", () => {
    it('denies a collection no rule covers, with a clear error', async () => {
      const login = await app.logInAnonymously()
      const answer = await serviceCall(app, login, {
        name: 'find',
        options: { collection: 'secrets', query: {} },
      })
      expect(answer.status).toBe(403)
      expect(answer.body).toEqual({
        error: "no rule exists for namespace 'app.secrets'",
        error_code: 'NoMatchingRuleFound',
      })
      const fromFunction = await callFunction(app, login, { name: 'unruled' })
      expect(fromFunction.body).toEqual({
        error: "no rule exists for namespace 'app.secrets'",
        error_code: 'FunctionExecutionError',
      })
    })

    it('lets a rule allow find, insertOne, updateOne and deleteOne on the owner’s documents', async () => {
      const alice = await app.logInAnonymously()
      const bob = await app.logInAnonymously()
      const inserted = await serviceCall(app, alice, {
        name: 'insertOne',
        options: {
          document: { ownerId: alice.user_id, title: 'mine' },
        },
      })
      expect(inserted.status).toBe(200)
      expect(inserted.body).toEqual({ insertedId: { $oid: expect.any(String) } })
      await serviceCall(app, bob, {
        name: 'insertOne',
        options: {
          document: { ownerId: bob.user_id, title: 'bobs' },
        },
      })
      await serviceCall(app, bob, {
        name: 'insertOne',
        options: {
          document: { ownerId: bob.user_id, title: 'shared', shared: true },
        },
      })

      const found = await serviceCall(app, alice, {
        name: 'find',
        options: { query: {}, sort: { title: 1 } },
      })
      expect((found.body as { title: string }[]).map((doc) => doc.title)).toEqual([
        'mine',
        'shared',
      ])
      const counted = await serviceCall(app, alice, { name: 'count', options: { query: {} } })
      expect(counted.body).toEqual({ $numberInt: '2' })

      const updated = await serviceCall(app, alice, {
        name: 'updateOne',
        options: {
          query: { title: 'mine' },
          update: { $set: { done: true } },
        },
      })
      expect(updated.body).toEqual({
        matchedCount: { $numberInt: '1' },
        modifiedCount: { $numberInt: '1' },
      })
      const readOnly = await serviceCall(app, alice, {
        name: 'updateOne',
        options: {
          query: { title: 'shared' },
          update: { $set: { title: 'taken' } },
        },
      })
      expect(readOnly.status).toBe(403)
      expect(readOnly.body).toMatchObject({
        error_code: 'NoMatchingRuleFound',
        error: expect.stringContaining('update not permitted'),
      })
      const invisible = await serviceCall(app, alice, {
        name: 'deleteOne',
        options: { query: { title: 'bobs' } },
      })
      expect(invisible.body).toEqual({ deletedCount: { $numberInt: '0' } })
      const forged = await serviceCall(app, alice, {
        name: 'insertOne',
        options: {
          document: { ownerId: bob.user_id, title: 'forged' },
        },
      })
      expect(forged.status).toBe(403)
      const deleted = await serviceCall(app, alice, {
        name: 'deleteOne',
        options: { query: { title: 'mine' } },
      })
      expect(deleted.body).toEqual({ deletedCount: { $numberInt: '1' } })
    })

    it('answers findOneAndUpdate and reads realm-web’s findOneAndDelete quirk (§11) as a delete', async () => {
      const login = await app.logInAnonymously()
      await serviceCall(app, login, {
        name: 'insertMany',
        options: {
          documents: [
            { ownerId: login.user_id, title: 'a', n: 1 },
            { ownerId: login.user_id, title: 'b', n: 2 },
          ],
        },
      })
      const updated = await serviceCall(app, login, {
        name: 'findOneAndUpdate',
        options: {
          filter: { title: 'a' },
          update: { $inc: { n: 10 } },
          returnNewDocument: true,
          projection: { n: 1, _id: 0 },
        },
      })
      expect(updated.body).toEqual({ n: { $numberInt: '11' } })
      // realm-web 2.0.1 sends findOneAndDelete as findOneAndReplace without "update".
      const deleted = await serviceCall(app, login, {
        name: 'findOneAndReplace',
        options: { filter: { title: 'b' } },
      })
      expect(deleted.body).toMatchObject({ title: 'b' })
      const left = await serviceCall(app, login, {
        name: 'find',
        options: { query: { ownerId: login.user_id } },
      })
      expect((left.body as { title: string }[]).map((doc) => doc.title)).toEqual(['a'])
      const aggregated = await serviceCall(app, login, {
        name: 'aggregate',
        options: {
          pipeline: [
            { $match: { ownerId: login.user_id } },
            { $group: { _id: null, total: { $sum: '$n' } } },
          ],
        },
      })
      expect(aggregated.body).toEqual([{ _id: null, total: { $numberInt: '11' } }])
    })

    it('lets a user read, and only read, their own custom-data document without a rule file', async () => {
      const login = await app.logInAnonymously()
      const other = await app.logInAnonymously()
      const options = { database: 'app', collection: 'profiles' }
      const own = await serviceCall(app, login, {
        name: 'findOne',
        options: {
          ...options,
          query: { userId: login.user_id },
        },
      })
      expect(own.body).toMatchObject({ userId: login.user_id, plan: 'free' })
      const everyone = await serviceCall(app, login, {
        name: 'find',
        options: { ...options, query: {} },
      })
      expect((everyone.body as { userId: string }[]).map((doc) => doc.userId)).toEqual([
        login.user_id,
      ])
      const theirs = await serviceCall(app, login, {
        name: 'findOne',
        options: {
          ...options,
          query: { userId: other.user_id },
        },
      })
      expect(theirs.body).toBeNull()
      const write = await serviceCall(app, login, {
        name: 'updateOne',
        options: {
          ...options,
          query: { userId: login.user_id },
          update: { $set: { plan: 'pro' } },
        },
      })
      expect(write.status).toBe(403)
    })

    it('refuses malformed calls and unknown services with a reason', async () => {
      const login = await app.logInAnonymously()
      const noDatabase = await app.request('POST', `/app/${app.appId}/functions/call`, {
        token: login.access_token,
        body: { name: 'find', arguments: [{ collection: 'notes' }], service: 'mongodb-atlas' },
      })
      expect(noDatabase.status).toBe(400)
      expect(noDatabase.body).toMatchObject({
        error_code: 'InvalidParameter',
        error: expect.stringContaining('"database"'),
      })
      const badFilter = await serviceCall(app, login, {
        name: 'find',
        options: { query: { a: { $nope: 1 } } },
      })
      expect(badFilter.status).toBe(400)
      expect(badFilter.body).toMatchObject({ error_code: 'MongoDBError' })
      const watch = await serviceCall(app, login, { name: 'watch', options: {} })
      expect(watch.status).toBe(400)
      const unknown = await serviceCall(app, login, {
        name: 'find',
        options: { query: {} },
        service: 'other-cluster',
      })
      expect(unknown.status).toBe(404)
      expect(unknown.body).toEqual({
        error: "service not found: 'other-cluster'",
        error_code: 'ServiceNotFound',
      })
    })
  })
})

describe('functions/call when the store fails mid-call', () => {
  let s: InProcessServer
  beforeAll(async () => {
    s = await createInProcessServer(pgliteTestStore, { appDir: functionsAppDir })
  })
  afterAll(() => s.close())

  it('answers a generic error, never SQL or a driver message', async () => {
    const login = await s.logInAnonymously()
    await s.store.exec('ALTER TABLE documents RENAME TO documents_elsewhere')
    try {
      const answer = await callFunction(s, login, { name: 'readProfile', args: [login.user_id] })
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({
        error: 'findOne on app.profiles failed: internal error (see the server log)',
        error_code: 'FunctionExecutionError',
      })
      const service = await serviceCall(s, login, { name: 'find', options: { query: {} } })
      expect(service.status).toBe(500)
      expect(JSON.stringify(service.body)).not.toMatch(/documents|relation|SELECT/)
    } finally {
      await s.store.exec('ALTER TABLE documents_elsewhere RENAME TO documents')
    }
  })
})
