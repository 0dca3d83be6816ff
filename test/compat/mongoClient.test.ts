import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

// realm-web 2.0.1 carries its own bson (4.x): its classes are the ones it decodes into.
const { ObjectId } = Realm.BSON
type ObjectId = InstanceType<typeof ObjectId>

// functions-app has rules for app.notes (owners read and write theirs; shared notes are readable)
// and none for app.secrets; app.profiles is its custom-data collection.
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

describe.each(testStores())(
  "realm-web 2.0.1's mongoClient against the server on $kind",
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ appDir: functionsAppDir, storeKind })
    })
    afterAll(() => server.close())

    const logIn = async () => {
      const app = createRealmWebApp(server.url, 'functions-app-abcde')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      const db = user.mongoClient('mongodb-atlas').db('app')
      return { user, notes: db.collection<Note>('notes'), db }
    }

    it('find, insertOne, updateOne and deleteOne work where a rule allows them', async () => {
      const alice = await logIn()
      const bob = await logIn()
      const { insertedId } = await alice.notes.insertOne({
        ownerId: alice.user.id,
        title: 'groceries',
      })
      expect(insertedId).toBeInstanceOf(ObjectId)
      await bob.notes.insertOne({ ownerId: bob.user.id, title: 'bob private' })
      await bob.notes.insertOne({ ownerId: bob.user.id, title: 'bob shared', shared: true })

      const visible = await alice.notes.find({}, { sort: { title: 1 } })
      expect(visible.map((note) => note.title)).toEqual(['bob shared', 'groceries'])
      expect(await alice.notes.findOne({ _id: insertedId })).toEqual({
        _id: insertedId,
        ownerId: alice.user.id,
        title: 'groceries',
      })

      expect(await alice.notes.updateOne({ _id: insertedId }, { $set: { n: 2 } })).toEqual({
        matchedCount: 1,
        modifiedCount: 1,
      })
      expect(await alice.notes.count({ ownerId: alice.user.id })).toBe(1)
      expect(await alice.notes.deleteOne({ _id: insertedId })).toEqual({ deletedCount: 1 })
      expect(await alice.notes.find({ ownerId: alice.user.id })).toEqual([])
    })

    it('answers a clear error where no rule allows the operation', async () => {
      const alice = await logIn()
      const bob = await logIn()
      await bob.notes.insertOne({
        ownerId: bob.user.id,
        title: 'read only for others',
        shared: true,
      })

      await expect(alice.db.collection('secrets').find({})).rejects.toMatchObject({
        statusCode: 403,
        errorCode: 'NoMatchingRuleFound',
        error: "no rule exists for namespace 'app.secrets'",
      })
      await expect(
        alice.notes.updateOne({ title: 'read only for others' }, { $set: { title: 'mine now' } }),
      ).rejects.toMatchObject({ statusCode: 403, errorCode: 'NoMatchingRuleFound' })
      await expect(
        alice.notes.insertOne({ ownerId: bob.user.id, title: 'forged' }),
      ).rejects.toMatchObject({ statusCode: 403, errorCode: 'NoMatchingRuleFound' })
      await expect(alice.notes.deleteOne({ title: 'read only for others' })).rejects.toMatchObject({
        statusCode: 403,
        errorCode: 'NoMatchingRuleFound',
        error: expect.stringContaining('delete not permitted'),
      })
      // Bob's private notes do not exist for Alice: nothing to delete.
      expect(await alice.notes.deleteMany({ ownerId: bob.user.id, shared: { $ne: true } })).toEqual(
        {
          deletedCount: 0,
        },
      )
      await expect(alice.notes.find({ n: { $bogus: 1 } })).rejects.toMatchObject({
        statusCode: 400,
        errorCode: 'MongoDBError',
      })
    })

    it('findOneAndUpdate, findOneAndDelete (sent as findOneAndReplace), insertMany, aggregate', async () => {
      const { user, notes } = await logIn()
      const { insertedIds } = await notes.insertMany([
        { ownerId: user.id, title: 'a', n: 1 },
        { ownerId: user.id, title: 'b', n: 2 },
        { ownerId: user.id, title: 'c', n: 3 },
      ])
      expect(insertedIds).toHaveLength(3)
      expect(
        await notes.findOneAndUpdate(
          { title: 'a' },
          { $inc: { n: 10 } },
          { returnNewDocument: true },
        ),
      ).toMatchObject({ title: 'a', n: 11 })
      expect(await notes.findOneAndDelete({ ownerId: user.id }, { sort: { n: -1 } })).toMatchObject(
        {
          title: 'a',
        },
      )
      expect((await notes.find({ ownerId: user.id })).map((note) => note.title)).toEqual(['b', 'c'])
      expect(
        await notes.aggregate([
          { $match: { ownerId: user.id } },
          { $group: { _id: '$ownerId', total: { $sum: '$n' } } },
        ]),
      ).toEqual([{ _id: user.id, total: 5 }])
    })

    it("reads the user's own custom-data document, and nothing else of that collection", async () => {
      const alice = await logIn()
      const bob = await logIn()
      const profiles = alice.db.collection('profiles')
      expect(await profiles.findOne({ userId: alice.user.id })).toMatchObject({
        userId: alice.user.id,
        createdBy: 'onUserCreated',
      })
      expect(await profiles.findOne({ userId: bob.user.id })).toBeNull()
      await expect(
        profiles.updateOne({ userId: alice.user.id }, { $set: { plan: 'pro' } }),
      ).rejects.toMatchObject({ statusCode: 403 })
    })
  },
)
