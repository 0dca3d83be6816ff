import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

// realm-web's own integration suite for the MongoDB service, run against this server with the
// unmodified realm-web 2.0.1: realm-js packages/realm-web-integration-tests/src/
// remote-mongodb-service.test.ts ("Remote MongoDB"), its test app's data source "local-mongodb"
// with an allow-all rule on test-database.test-collection. Each test keeps the suite's title and
// what it expects; the updates without `$` operators are App Services' behaviour (a plain document
// replaces), which MongoDB's own drivers refuse.

const appDir = fileURLToPath(new URL('./remote-mongodb-app', import.meta.url))

// realm-web 2.0.1 carries its own bson (4.x): its classes are the ones it decodes into.
type ObjectId = InstanceType<typeof Realm.BSON.ObjectId>

interface TestDocument {
  _id: ObjectId
  name: string
  runId: number
  hiddenField?: string
  // The field-order test's own fields.
  zebra?: string
  a?: { yy: number; b: number }
}

/** The suite's collection, as its `getCollection()` opens it. */
const openCollection = async (url: string) => {
  const app = createRealmWebApp(url, 'remote-mongodb-abcde')
  const user = await app.logIn(Realm.Credentials.anonymous())
  return user
    .mongoClient('local-mongodb')
    .db('test-database')
    .collection<TestDocument>('test-collection')
}

describe.each(testStores())(
  'realm-web 2.0.1, "Remote MongoDB" (realm-js) on $kind',
  (storeKind) => {
    let server: TestServer
    let collection: Awaited<ReturnType<typeof openCollection>>
    let runId: number

    beforeAll(async () => {
      server = await startTestServer({ appDir, storeKind })
      collection = await openCollection(server.url)
    })
    afterAll(() => server.close())

    beforeEach(async () => {
      runId = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)
      await collection.insertMany([
        { runId, name: 'Alice', hiddenField: 'very-secret' },
        { runId, name: 'Bob', hiddenField: 'very-secret' },
        { runId, name: 'Charlie', hiddenField: 'very-secret' },
      ])
    })

    const isObjectId = (value: unknown) =>
      typeof value === 'object' && value !== null && value.constructor.name === 'ObjectId'

    it('can find documents', async () => {
      const [first] = await collection.find({}, { limit: 10 })
      expect(isObjectId(first?._id)).toBe(true)
    })

    it('returns null when finding no document', async () => {
      expect(await collection.findOne({ whatever: 'non-existent' })).toBeNull()
    })

    it('can find a single documents, with projection', async () => {
      const result = await collection.findOne({ runId, name: 'Bob' }, { projection: { name: 1 } })
      expect(isObjectId(result?._id)).toBe(true)
      expect(Object.keys(result ?? {}).sort()).toEqual(['_id', 'name'])
      expect(result?.name).toBe('Bob')
    })

    it('can upsert a document if no one is found', async () => {
      const result = await collection.findOneAndUpdate(
        { runId, name: 'Nobody' },
        { name: 'Dennis', hiddenField: 'a hidden value' },
        { upsert: true, returnNewDocument: true },
      )
      expect(isObjectId(result?._id)).toBe(true)
      expect(result?.name).toBe('Dennis')
      expect(Object.keys(result ?? {}).sort()).toEqual(['_id', 'hiddenField', 'name'])
    })

    it('can find and update a document, with projection', async () => {
      const result = await collection.findOneAndUpdate(
        { runId, name: 'Bob' },
        { name: 'Bobby' },
        { projection: { name: 1 }, returnNewDocument: true },
      )
      expect(isObjectId(result?._id)).toBe(true)
      expect(result?.name).toBe('Bobby')
      expect(Object.keys(result ?? {}).sort()).toEqual(['_id', 'name'])
    })

    it('can find and replace a document, with projection', async () => {
      const result = await collection.findOneAndReplace(
        { runId, name: 'Alice' },
        { runId, name: 'Alison' },
        { projection: { name: 1, hiddenField: 1 }, upsert: true, returnNewDocument: true },
      )
      expect(isObjectId(result?._id)).toBe(true)
      expect(result?.name).toBe('Alison')
      expect(Object.keys(result ?? {}).sort()).toEqual(['_id', 'name'])
    })

    it('can find and delete a document', async () => {
      const countBefore = await collection.count({ runId })
      const result = await collection.findOneAndDelete({ runId }, { sort: { name: -1 } })
      expect(isObjectId(result?._id)).toBe(true)
      expect(result?.name).toBe('Charlie')
      expect(Object.keys(result ?? {}).sort()).toEqual(['_id', 'hiddenField', 'name', 'runId'])
      expect(await collection.count({ runId })).toBe(countBefore - 1)
    })

    it('can aggregate', async () => {
      expect(
        await collection.aggregate([
          { $match: { runId } },
          { $group: { _id: null, names: { $push: '$name' } } },
          { $project: { _id: 0 } },
        ]),
      ).toEqual([{ names: ['Alice', 'Bob', 'Charlie'] }])
    })

    it('can count documents, insert a document and count & retrieve it again', async () => {
      const countBefore = await collection.count()
      const { insertedId } = await collection.insertOne({ runId, name: 'Some test document ...' })
      expect(isObjectId(insertedId)).toBe(true)
      expect((await collection.count()) - countBefore).toBe(1)
      expect(await collection.findOne({ _id: { $eq: insertedId } })).toEqual({
        _id: insertedId,
        runId,
        name: 'Some test document ...',
      })
    })

    it('can insert many documents', async () => {
      const countBefore = await collection.count()
      const { insertedIds } = await collection.insertMany([
        { runId, name: 'My first document' },
        { runId, name: 'My second document' },
      ])
      expect(insertedIds).toHaveLength(2)
      expect(insertedIds.every(isObjectId)).toBe(true)
      expect((await collection.count()) - countBefore).toBe(2)
    })

    it('can delete a document', async () => {
      const countBefore = await collection.count({ runId })
      expect((await collection.deleteOne({ runId })).deletedCount).toBe(1)
      expect(await collection.count({ runId })).toBe(countBefore - 1)
    })

    it('can delete many documents', async () => {
      expect(await collection.count({ runId })).toBe(3)
      expect((await collection.deleteMany({ runId })).deletedCount).toBe(3)
      expect(await collection.count({ runId })).toBe(0)
    })

    it('can update a document', async () => {
      const result = await collection.updateOne({ runId, name: 'Alice' }, { name: 'Alison' })
      expect(result.matchedCount).toBe(1)
      expect(result.modifiedCount).toBe(1)
      expect(result.upsertedId).toBeUndefined()
    })

    it('upserts a document when updating and the query match nothing', async () => {
      const result = await collection.updateOne(
        { runId, name: 'Dennis' },
        { runId, name: 'Dennis' },
        { upsert: true },
      )
      expect(result.matchedCount).toBe(0)
      expect(result.modifiedCount).toBe(0)
      expect(isObjectId(result.upsertedId)).toBe(true)
    })

    it('can update many documents', async () => {
      const result = await collection.updateMany({ runId }, { hiddenField: 'same secret' })
      expect(result.matchedCount).toBe(3)
      expect(result.modifiedCount).toBe(3)
    })

    it('upserts when updating many non-existing documents', async () => {
      const result = await collection.updateMany(
        { runId, name: 'Dennis' },
        { runId, name: 'Dennis' },
        { upsert: true },
      )
      expect(result.matchedCount).toBe(0)
      expect(result.modifiedCount).toBe(0)
      expect(isObjectId(result.upsertedId)).toBe(true)
    })

    it('keeps the fields of a document in the order they were written', async () => {
      const { insertedId } = await collection.insertOne({
        runId,
        zebra: 'first',
        name: 'ordered',
        a: { yy: 1, b: 2 },
      })
      const found = await collection.findOne({ _id: insertedId })
      expect(Object.keys(found ?? {})).toEqual(['_id', 'runId', 'zebra', 'name', 'a'])
      expect(Object.keys(found?.a ?? {})).toEqual(['yy', 'b'])
    })
  },
)
