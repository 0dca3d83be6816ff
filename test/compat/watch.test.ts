import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

// realm-web 2.0.1's `collection.watch()` (its MongoDBCollection.watch and WatchStream, in
// realm-web/dist/bundle.cjs.js): a GET of functions/call?baas_request=<base64 of { name: "watch",
// arguments: [{ database, collection, ids, filter }], service }> with Accept: text/event-stream;
// `data:` frames of EJSON change events with %, CR and LF percent-escaped, and `event: error`
// frames carrying { error, error_code }. docs/protocol.md §17.7.
const { ObjectId } = Realm.BSON
type ObjectId = InstanceType<typeof ObjectId>

// functions-app's app.notes: owners read and write theirs; shared notes are readable by all.
const functionsAppDir = fileURLToPath(
  new URL('../../packages/server/fixtures/functions-app', import.meta.url),
)

interface Note {
  _id: ObjectId
  ownerId: string
  title: string
  shared?: boolean
  n?: number
}

/** A change event as realm-web yields it (its own ChangeEvent type is not exported). */
interface Change {
  operationType: 'insert' | 'update' | 'replace' | 'delete'
  documentKey: { _id: ObjectId }
  ns: { db: string; coll: string }
  fullDocument?: Note
  updateDescription?: { updatedFields: Record<string, unknown>; removedFields: string[] }
}

const waitUntil = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 15_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe.each(testStores())(
  "realm-web 2.0.1's watch() against the server on $kind",
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ appDir: functionsAppDir, storeKind })
    })
    afterAll(() => server.close())

    const logIn = async () => {
      const app = createRealmWebApp(server.url, 'functions-app-abcde')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      const notes = user.mongoClient('mongodb-atlas').db('app').collection<Note>('notes')
      return { app, user, notes }
    }

    /** Starts watching and collects the events until the test ends; resolves once registered. */
    const collect = async (watching: AsyncGenerator<unknown>) => {
      const stream = watching as AsyncGenerator<Change>
      const events: Change[] = []
      const errors: unknown[] = []
      const before = server.server.context.live.size
      const done = (async () => {
        try {
          for await (const event of stream) events.push(event)
        } catch (error) {
          errors.push(error)
        }
      })()
      await waitUntil(() => server.server.context.live.size > before, 'the watch to register')
      return {
        events,
        errors,
        done,
        waitFor: async (match: (event: Change) => boolean, what: string) => {
          await waitUntil(() => events.some(match), what)
          return events.find(match)!
        },
        stop: async () => {
          await stream.return(undefined)
        },
      }
    }

    it('delivers insert, update, replace and delete events as MongoDB change events', async () => {
      const alice = await logIn()
      const watch = await collect(alice.notes.watch())
      const { insertedId } = await alice.notes.insertOne({
        ownerId: alice.user.id,
        title: '100%\nsure',
      })
      await alice.notes.updateOne({ _id: insertedId }, { $set: { n: 2 } })
      await alice.notes.findOneAndReplace(
        { _id: insertedId },
        { ownerId: alice.user.id, title: 'replaced' },
      )
      await alice.notes.deleteOne({ _id: insertedId })
      await watch.waitFor((event) => event.operationType === 'delete', 'the delete')
      const [insert, update, replace, remove] = watch.events
      expect(watch.events.map((event) => event.operationType)).toEqual([
        'insert',
        'update',
        'replace',
        'delete',
      ])
      // The percent-escaped title comes back as it was written.
      expect(insert).toMatchObject({
        ns: { db: 'app', coll: 'notes' },
        documentKey: { _id: insertedId },
        fullDocument: { _id: insertedId, ownerId: alice.user.id, title: '100%\nsure' },
      })
      expect(insert?.documentKey._id).toBeInstanceOf(ObjectId)
      expect(update).toMatchObject({
        updateDescription: { updatedFields: { n: 2 }, removedFields: [] },
        fullDocument: { title: '100%\nsure', n: 2 },
      })
      expect(replace).toMatchObject({ fullDocument: { title: 'replaced' } })
      expect(remove).toMatchObject({ documentKey: { _id: insertedId } })
      expect(remove).not.toHaveProperty('fullDocument')
      await watch.stop()
    })

    it('ids: only the changes of those documents', async () => {
      const alice = await logIn()
      const { insertedId: watched } = await alice.notes.insertOne({
        ownerId: alice.user.id,
        title: 'a',
      })
      const { insertedId: other } = await alice.notes.insertOne({
        ownerId: alice.user.id,
        title: 'b',
      })
      const watch = await collect(alice.notes.watch({ ids: [watched] }))
      await alice.notes.updateOne({ _id: other }, { $set: { n: 1 } })
      await alice.notes.updateOne({ _id: watched }, { $set: { n: 1 } })
      await watch.waitFor((event) => event.operationType === 'update', 'the watched update')
      expect(watch.events.map((event) => event.documentKey._id.toHexString())).toEqual([
        watched.toHexString(),
      ])
      await watch.stop()
    })

    it('filter: only the change events it matches', async () => {
      const alice = await logIn()
      const watch = await collect(
        alice.notes.watch({ filter: { operationType: 'insert', 'fullDocument.title': 'match' } }),
      )
      await alice.notes.insertOne({ ownerId: alice.user.id, title: 'no match' })
      const { insertedId } = await alice.notes.insertOne({ ownerId: alice.user.id, title: 'match' })
      await alice.notes.updateOne({ _id: insertedId }, { $set: { n: 1 } })
      await alice.notes.insertOne({ ownerId: alice.user.id, title: 'match' })
      await waitUntil(() => watch.events.length >= 2, 'two matching inserts')
      expect(watch.events.map((event) => event.operationType)).toEqual(['insert', 'insert'])
      expect(watch.events.every((event) => event.fullDocument?.title === 'match')).toBe(true)
      await watch.stop()
    })

    it("never delivers another user's document the read rules hide", async () => {
      const alice = await logIn()
      const bob = await logIn()
      const watch = await collect(alice.notes.watch())
      const { insertedId: secret } = await bob.notes.insertOne({
        ownerId: bob.user.id,
        title: 'private',
      })
      await bob.notes.updateOne({ _id: secret }, { $set: { n: 1 } })
      await bob.notes.deleteOne({ _id: secret })
      const { insertedId: shared } = await bob.notes.insertOne({
        ownerId: bob.user.id,
        title: 'for all',
        shared: true,
      })
      // The shared note is readable, so its insert arrives; by then bob's private changes, which
      // were committed before it, would have arrived too.
      await watch.waitFor(
        (event) => event.operationType === 'insert' && event.documentKey._id.equals(shared),
        'the shared note',
      )
      const ids = watch.events.map((event) => event.documentKey._id.toHexString())
      expect(ids).not.toContain(secret.toHexString())
      await watch.stop()
    })

    it('refuses a namespace no rule covers', async () => {
      const alice = await logIn()
      const secrets = alice.user.mongoClient('mongodb-atlas').db('app').collection('secrets')
      await expect(secrets.watch().next()).rejects.toMatchObject({
        statusCode: 403,
        errorCode: 'NoMatchingRuleFound',
      })
    })

    it('ends with an error frame when the session logs out', async () => {
      const alice = await logIn()
      const watch = await collect(alice.notes.watch())
      // realm-web's own logout: DELETE /auth/session with the refresh token.
      const other = await logIn()
      expect(other.user.id).not.toBe(alice.user.id)
      await alice.user.logOut()
      await watch.done
      expect(watch.errors).toHaveLength(1)
      expect(watch.errors[0]).toMatchObject({ code: 'InvalidSession' })
    })
  },
)
