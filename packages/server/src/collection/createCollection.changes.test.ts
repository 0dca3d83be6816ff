import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChangeFeed, type ChangeFeed } from '../feed/createChangeFeed'
import type { FeedPosition } from '../feed/FeedPosition'
import type { Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import { systemAccess } from './CollectionAccess'
import { createCollection, type Collection } from './createCollection'

// What each operation of the write path leaves in the change feed: exactly its events, written
// in its own transaction, so an operation that fails leaves none.

describe.each(testStores())('the events of each collection operation on $kind', (storeKind) => {
  let store: Store
  let feed: ChangeFeed
  let count = 0
  let coll = ''
  let docs: Collection
  let mark: FeedPosition

  beforeAll(async () => {
    store = await storeKind.open()
    feed = createChangeFeed({ store })
  })
  afterAll(async () => {
    await feed.close()
    await store.close()
  })

  /** A fresh collection holding `seed`, and the feed position after the seeding. */
  const fresh = async (seed: Record<string, unknown>[] = []): Promise<void> => {
    coll = `c${(count += 1)}`
    docs = createCollection({ store, db: 'ops', coll })
    if (seed.length > 0) await docs.insertMany(seed)
    mark = await feed.latestPosition()
  }

  /** The events since `fresh`, as [operation, _id]. */
  const events = async (): Promise<[string, unknown][]> => {
    const page = await feed.readChanges({ after: mark, filter: { db: 'ops', coll }, limit: 1000 })
    return page.changes.map(({ event }) => [event.operationType, event.documentKey._id])
  }

  const three = [
    { _id: 1, n: 1 },
    { _id: 2, n: 2 },
    { _id: 3, n: 3 },
  ]

  it('insertOne and insertMany: one insert each', async () => {
    await fresh()
    await docs.insertOne({ _id: 'a' })
    await docs.insertMany([{ _id: 'b' }, { _id: 'c' }])
    expect(await events()).toEqual([
      ['insert', 'a'],
      ['insert', 'b'],
      ['insert', 'c'],
    ])
  })

  it('updateOne and updateMany with operators: one update per changed document, none for a no-op', async () => {
    await fresh(three)
    await docs.updateOne({ _id: 1 }, { $set: { n: 1 } })
    await docs.updateOne({ _id: 1 }, { $inc: { n: 10 } })
    await docs.updateMany({ n: { $lte: 3 } }, { $set: { low: true } })
    expect(await events()).toEqual([
      ['update', 1],
      ['update', 2],
      ['update', 3],
    ])
  })

  it('an upsert that matches nothing: one insert', async () => {
    await fresh()
    await docs.updateOne({ _id: 'new' }, { $set: { a: 1 } }, { upsert: true })
    await docs.findOneAndUpdate({ _id: 'newer' }, { plain: true }, { upsert: true })
    expect(await events()).toEqual([
      ['insert', 'new'],
      ['insert', 'newer'],
    ])
  })

  it('replaceOne, findOneAndReplace and the updates without operators: replace events', async () => {
    await fresh(three)
    await docs.replaceOne({ _id: 1 }, { n: 100 })
    await docs.findOneAndReplace({ _id: 2 }, { n: 200 })
    await docs.updateOne({ _id: 3 }, { n: 300 })
    await docs.findOneAndUpdate({ _id: 3 }, { n: 301 })
    await docs.updateMany({}, { same: true })
    expect(await events()).toEqual([
      ['replace', 1],
      ['replace', 2],
      ['replace', 3],
      ['replace', 3],
      ['replace', 1],
      ['replace', 2],
      ['replace', 3],
    ])
  })

  it('deleteOne, deleteMany and findOneAndDelete: one delete per document', async () => {
    await fresh([...three, { _id: 4 }])
    await docs.deleteOne({ _id: 1 })
    await docs.findOneAndDelete({ _id: 2 })
    await docs.deleteMany({})
    expect(await events()).toEqual([
      ['delete', 1],
      ['delete', 2],
      ['delete', 3],
      ['delete', 4],
    ])
  })

  it('an operation refused half-way (a rule denies the second document) records nothing', async () => {
    await fresh(three)
    const ruled = createCollection({
      store,
      db: 'ops',
      coll,
      access: { ...systemAccess, canUpdate: (before) => before._id !== 2 },
    })
    await expect(ruled.updateMany({}, { $set: { touched: true } })).rejects.toMatchObject({
      code: 'NoMatchingRuleFound',
    })
    await expect(ruled.insertMany([{ _id: 'ok' }, { _id: 1 }])).rejects.toThrow('E11000')
    expect(await events()).toEqual([])
    expect(await docs.find({ touched: true })).toEqual([])
    expect(await docs.findOne({ _id: 'ok' })).toBeNull()
  })
})
