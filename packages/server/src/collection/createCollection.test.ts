import { Binary, BSONRegExp, Decimal128, Long, ObjectId, Timestamp } from 'bson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import { createCollection, type Collection, type CollectionOptions } from './createCollection'
import type { Document } from './documentCodec'
import { ensureUserIdIndex } from './userIdIndex'

// Every expected result below is written by hand from the MongoDB manual's own examples (the
// page is cited above each group), not from mingo's output.

const items = (docs: readonly Document[]): unknown[] => docs.map((doc) => doc.item).sort()

describe.each(testStores())('the collection API on $kind', (storeKind) => {
  let store: Store
  let count = 0
  const collection = (options: Partial<CollectionOptions> = {}): Collection =>
    createCollection({ store, db: 'test', coll: `c${(count += 1)}`, ...options })

  beforeAll(async () => {
    store = await storeKind.open()
  })
  afterAll(() => store.close())

  describe('query operators', () => {
    // https://www.mongodb.com/docs/manual/tutorial/query-documents/
    const inventory = [
      { item: 'journal', qty: 25, size: { h: 14, w: 21, uom: 'cm' }, status: 'A' },
      { item: 'notebook', qty: 50, size: { h: 8.5, w: 11, uom: 'in' }, status: 'A' },
      { item: 'paper', qty: 100, size: { h: 8.5, w: 11, uom: 'in' }, status: 'D' },
      { item: 'planner', qty: 75, size: { h: 22.85, w: 30, uom: 'cm' }, status: 'D' },
      { item: 'postcard', qty: 45, size: { h: 10, w: 15.25, uom: 'cm' }, status: 'A' },
    ]
    let docs: Collection
    beforeAll(async () => {
      docs = collection()
      await docs.insertMany(structuredClone(inventory))
    })

    it('equality, $in, implicit AND, $lt, $or, regular expressions', async () => {
      expect(items(await docs.find({ status: 'D' }))).toEqual(['paper', 'planner'])
      expect(await docs.find({ status: { $in: ['A', 'D'] } })).toHaveLength(5)
      expect(items(await docs.find({ status: 'A', qty: { $lt: 30 } }))).toEqual(['journal'])
      expect(items(await docs.find({ $or: [{ status: 'A' }, { qty: { $lt: 30 } }] }))).toEqual([
        'journal',
        'notebook',
        'postcard',
      ])
      expect(
        items(await docs.find({ status: 'A', $or: [{ qty: { $lt: 30 } }, { item: /^p/ }] })),
      ).toEqual(['journal', 'postcard'])
    })

    it('$gt, $gte, $lte, $ne, $nin, $and, $not, $nor', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/query/ (comparison and logical)
      expect(items(await docs.find({ qty: { $gt: 50 } }))).toEqual(['paper', 'planner'])
      expect(items(await docs.find({ qty: { $gte: 50 } }))).toEqual([
        'notebook',
        'paper',
        'planner',
      ])
      expect(items(await docs.find({ qty: { $lte: 45 } }))).toEqual(['journal', 'postcard'])
      expect(await docs.find({ status: { $ne: 'A' } })).toHaveLength(2)
      expect(items(await docs.find({ qty: { $nin: [25, 50, 100] } }))).toEqual([
        'planner',
        'postcard',
      ])
      expect(
        items(await docs.find({ $and: [{ qty: { $gt: 40 } }, { qty: { $lt: 60 } }] })),
      ).toEqual(['notebook', 'postcard'])
      expect(items(await docs.find({ qty: { $not: { $gt: 50 } } }))).toEqual([
        'journal',
        'notebook',
        'postcard',
      ])
      expect(items(await docs.find({ $nor: [{ status: 'A' }, { qty: 100 }] }))).toEqual(['planner'])
    })

    it('nested fields with dot notation', async () => {
      // https://www.mongodb.com/docs/manual/tutorial/query-embedded-documents/
      expect(items(await docs.find({ size: { h: 14, w: 21, uom: 'cm' } }))).toEqual(['journal'])
      expect(items(await docs.find({ 'size.uom': 'in' }))).toEqual(['notebook', 'paper'])
      expect(items(await docs.find({ 'size.h': { $lt: 15 } }))).toEqual([
        'journal',
        'notebook',
        'paper',
        'postcard',
      ])
      expect(
        items(await docs.find({ 'size.h': { $lt: 15 }, 'size.uom': 'in', status: 'D' })),
      ).toEqual(['paper'])
    })

    it('arrays', async () => {
      // https://www.mongodb.com/docs/manual/tutorial/query-arrays/
      const arrays = collection()
      await arrays.insertMany([
        { item: 'journal', qty: 25, tags: ['blank', 'red'], dim_cm: [14, 21] },
        { item: 'notebook', qty: 50, tags: ['red', 'blank'], dim_cm: [14, 21] },
        { item: 'paper', qty: 100, tags: ['red', 'blank', 'plain'], dim_cm: [14, 21] },
        { item: 'planner', qty: 75, tags: ['blank', 'red'], dim_cm: [22.85, 30] },
        { item: 'postcard', qty: 45, tags: ['blue'], dim_cm: [10, 15.25] },
      ])
      expect(items(await arrays.find({ tags: ['red', 'blank'] }))).toEqual(['notebook'])
      expect(items(await arrays.find({ tags: { $all: ['red', 'blank'] } }))).toEqual([
        'journal',
        'notebook',
        'paper',
        'planner',
      ])
      expect(items(await arrays.find({ tags: 'red' }))).toEqual([
        'journal',
        'notebook',
        'paper',
        'planner',
      ])
      expect(items(await arrays.find({ dim_cm: { $gt: 25 } }))).toEqual(['planner'])
      expect(items(await arrays.find({ dim_cm: { $gt: 15, $lt: 20 } }))).toEqual([
        'journal',
        'notebook',
        'paper',
        'postcard',
      ])
      expect(items(await arrays.find({ dim_cm: { $elemMatch: { $gt: 22, $lt: 30 } } }))).toEqual([
        'planner',
      ])
      expect(items(await arrays.find({ 'dim_cm.1': { $gt: 25 } }))).toEqual(['planner'])
      expect(items(await arrays.find({ tags: { $size: 3 } }))).toEqual(['paper'])
    })

    it('arrays of embedded documents', async () => {
      // https://www.mongodb.com/docs/manual/tutorial/query-array-of-documents/
      const stock = collection()
      await stock.insertMany([
        {
          item: 'journal',
          instock: [
            { warehouse: 'A', qty: 5 },
            { warehouse: 'C', qty: 15 },
          ],
        },
        { item: 'notebook', instock: [{ warehouse: 'C', qty: 5 }] },
        {
          item: 'paper',
          instock: [
            { warehouse: 'A', qty: 60 },
            { warehouse: 'B', qty: 15 },
          ],
        },
        {
          item: 'planner',
          instock: [
            { warehouse: 'A', qty: 40 },
            { warehouse: 'B', qty: 5 },
          ],
        },
        {
          item: 'postcard',
          instock: [
            { warehouse: 'B', qty: 15 },
            { warehouse: 'C', qty: 35 },
          ],
        },
      ])
      expect(items(await stock.find({ instock: { warehouse: 'A', qty: 5 } }))).toEqual(['journal'])
      expect(await stock.find({ 'instock.qty': { $lte: 20 } })).toHaveLength(5)
      expect(items(await stock.find({ 'instock.0.qty': { $lte: 20 } }))).toEqual([
        'journal',
        'notebook',
        'postcard',
      ])
      expect(
        items(await stock.find({ instock: { $elemMatch: { qty: 5, warehouse: 'A' } } })),
      ).toEqual(['journal'])
      expect(
        items(await stock.find({ instock: { $elemMatch: { qty: { $gt: 10, $lte: 20 } } } })),
      ).toEqual(['journal', 'paper', 'postcard'])
      expect(items(await stock.find({ 'instock.qty': { $gt: 10, $lte: 20 } }))).toEqual([
        'journal',
        'paper',
        'planner',
        'postcard',
      ])
      expect(items(await stock.find({ 'instock.qty': 5, 'instock.warehouse': 'A' }))).toEqual([
        'journal',
        'planner',
      ])
      // The equality narrowing must find values inside arrays of documents too.
      expect(items(await stock.find({ 'instock.warehouse': 'C' }))).toEqual([
        'journal',
        'notebook',
        'postcard',
      ])
    })

    it('null and missing fields', async () => {
      // https://www.mongodb.com/docs/manual/tutorial/query-for-null-fields/
      const nulls = collection()
      await nulls.insertMany([{ _id: 1, item: null }, { _id: 2 }])
      expect((await nulls.find({ item: null })).map((doc) => doc._id)).toEqual([1, 2])
      expect((await nulls.find({ item: { $exists: false } })).map((doc) => doc._id)).toEqual([2])
    })
  })

  describe('find options, count, distinct, aggregate', () => {
    it('sorts, skips, limits and projects', async () => {
      const docs = collection()
      await docs.insertMany([
        { _id: 1, name: 'a', score: 3, secret: 'x' },
        { _id: 2, name: 'b', score: 1, secret: 'y' },
        { _id: 3, name: 'c', score: 2, secret: 'z' },
        { _id: 4, name: 'd', score: 2, secret: 'w' },
      ])
      expect(await docs.find({}, { sort: { score: -1, name: 1 }, skip: 1, limit: 2 })).toEqual([
        { _id: 3, name: 'c', score: 2, secret: 'z' },
        { _id: 4, name: 'd', score: 2, secret: 'w' },
      ])
      expect(await docs.find({ score: 2 }, { projection: { name: 1 } })).toEqual([
        { _id: 3, name: 'c' },
        { _id: 4, name: 'd' },
      ])
      expect(await docs.find({ _id: 1 }, { projection: { secret: 0 } })).toEqual([
        { _id: 1, name: 'a', score: 3 },
      ])
      expect(await docs.findOne({}, { sort: { score: 1 } })).toMatchObject({ _id: 2 })
      expect(await docs.findOne({ name: 'zzz' })).toBeNull()
      expect(await docs.count({ score: { $gte: 2 } })).toBe(3)
      expect(await docs.count({}, { limit: 2 })).toBe(2)
      expect(await docs.countDocuments()).toBe(4)
    })

    it('findOne, updateOne, deleteOne and limited finds read only as far as their matches', async () => {
      // 450 documents; `hit: 1` on three of them, far apart, so pages cross the batches a partial
      // read takes. Numbers are left to mingo (no SQL narrowing), so every row is a candidate. The store is the real one, wrapped to count the rows it hands back.
      let rowsRead = 0
      const counting: Store = {
        ...store,
        query: async <TRow>(sql: string, params?: readonly unknown[]) => {
          const rows = await store.query<TRow>(sql, params)
          if (sql.includes('FROM documents')) rowsRead += rows.length
          return rows
        },
        transaction: (fn) =>
          store.transaction((tx) =>
            fn({
              ...tx,
              query: async <TRow>(sql: string, params?: readonly unknown[]) => {
                const rows = await tx.query<TRow>(sql, params)
                if (sql.includes('FROM documents')) rowsRead += rows.length
                return rows
              },
            }),
          ),
      }
      const docs = collection({ store: counting })
      await docs.insertMany(
        Array.from({ length: 450 }, (_, n) => ({
          _id: n,
          hit: [10, 250, 449].includes(n) ? 1 : 0,
        })),
      )
      const read = async <T>(operation: () => Promise<T>): Promise<[T, number]> => {
        rowsRead = 0
        const result = await operation()
        return [result, rowsRead]
      }

      const [first, firstRows] = await read(() => docs.findOne({ hit: 1 }))
      expect(first).toEqual({ _id: 10, hit: 1 })
      expect(firstRows).toBeLessThan(450)
      const [two, twoRows] = await read(() => docs.find({ hit: 1 }, { limit: 2 }))
      expect(two.map((doc) => doc._id)).toEqual([10, 250])
      expect(twoRows).toBeLessThan(450)
      expect((await docs.find({ hit: 1 }, { skip: 1, limit: 5 })).map((doc) => doc._id)).toEqual([
        250, 449,
      ])
      expect(await docs.count({ hit: 1 }, { limit: 2 })).toBe(2)
      expect(await docs.count({ hit: 1 })).toBe(3)
      // A sort needs every match: the last document comes first.
      expect(await docs.findOne({ hit: 1 }, { sort: { _id: -1 } })).toEqual({
        _id: 449,
        hit: 1,
      })

      const [updated, updateRows] = await read(() =>
        docs.updateOne({ hit: 1 }, { $set: { seen: true } }),
      )
      expect(updated).toEqual({ matchedCount: 1, modifiedCount: 1 })
      expect(updateRows).toBeLessThan(450)
      expect((await docs.find({ seen: true })).map((doc) => doc._id)).toEqual([10])
      expect(await docs.deleteOne({ hit: 1 })).toEqual({ deletedCount: 1 })
      expect((await docs.find({ hit: 1 })).map((doc) => doc._id)).toEqual([250, 449])
      expect(await docs.replaceOne({ hit: 1 }, { hit: 'replaced' })).toMatchObject({
        matchedCount: 1,
      })
      expect(await docs.findOne({ hit: 'replaced' })).toEqual({ _id: 250, hit: 'replaced' })
      // Nothing matches: every row is read, and the answer says so.
      expect(await docs.findOne({ hit: 'nowhere' })).toBeNull()
      expect(await docs.updateMany({ hit: 0 }, { $set: { bulk: 1 } })).toEqual({
        matchedCount: 447,
        modifiedCount: 447,
      })
    })

    it('distinct (the manual example)', async () => {
      // https://www.mongodb.com/docs/manual/reference/method/db.collection.distinct/
      const inventory = collection()
      await inventory.insertMany([
        { _id: 1, dept: 'A', item: { sku: '111', color: 'red' }, sizes: ['S', 'M'] },
        { _id: 2, dept: 'A', item: { sku: '111', color: 'blue' }, sizes: ['M', 'L'] },
        { _id: 3, dept: 'B', item: { sku: '222', color: 'blue' }, sizes: 'S' },
        { _id: 4, dept: 'A', item: { sku: '333', color: 'black' }, sizes: ['S'] },
      ])
      expect((await inventory.distinct('dept')).sort()).toEqual(['A', 'B'])
      expect((await inventory.distinct('item.sku')).sort()).toEqual(['111', '222', '333'])
      expect((await inventory.distinct('sizes')).sort()).toEqual(['L', 'M', 'S'])
      expect((await inventory.distinct('item.sku', { dept: 'A' })).sort()).toEqual(['111', '333'])
    })

    it('aggregates with $match and $group (the manual example)', async () => {
      // https://www.mongodb.com/docs/manual/core/aggregation-pipeline/ (orders by customer)
      const orders = collection()
      await orders.insertMany([
        { cust_id: 'A123', amount: 500, status: 'A' },
        { cust_id: 'A123', amount: 250, status: 'A' },
        { cust_id: 'B212', amount: 200, status: 'A' },
        { cust_id: 'A123', amount: 300, status: 'D' },
      ])
      expect(
        await orders.aggregate([
          { $match: { status: 'A' } },
          { $group: { _id: '$cust_id', total: { $sum: '$amount' } } },
          { $sort: { _id: 1 } },
        ]),
      ).toEqual([
        { _id: 'A123', total: 750 },
        { _id: 'B212', total: 200 },
      ])
      await expect(
        orders.aggregate([{ $lookup: { from: 'x', localField: 'a', foreignField: 'b', as: 'c' } }]),
      ).rejects.toThrow('the $lookup stage is not supported')
    })
  })

  describe('update operators', () => {
    it('$set on nested fields and array elements', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/set/
      const products = collection()
      await products.insertOne({
        _id: 100,
        quantity: 250,
        instock: true,
        reorder: false,
        details: { model: '14QQ', make: 'Clothes Corp' },
        tags: ['apparel', 'clothing'],
        ratings: [{ by: 'Customer007', rating: 4 }],
      })
      const result = await products.updateOne(
        { _id: 100 },
        { $set: { 'details.make': 'Kustom Kidz', 'tags.1': 'rain gear', 'ratings.0.rating': 2 } },
      )
      expect(result).toEqual({ matchedCount: 1, modifiedCount: 1 })
      expect(await products.findOne({ _id: 100 })).toMatchObject({
        details: { model: '14QQ', make: 'Kustom Kidz' },
        tags: ['apparel', 'rain gear'],
        ratings: [{ by: 'Customer007', rating: 2 }],
      })
    })

    it('$unset and $inc', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/unset/ and .../inc/
      const products = collection()
      await products.insertOne({
        _id: 1,
        sku: 'abc123',
        quantity: 10,
        instock: true,
        metrics: { orders: 2, ratings: 3.5 },
      })
      await products.updateOne({ sku: 'abc123' }, { $unset: { instock: '' } })
      await products.updateOne({ sku: 'abc123' }, { $inc: { quantity: -2, 'metrics.orders': 1 } })
      expect(await products.findOne({ _id: 1 })).toEqual({
        _id: 1,
        sku: 'abc123',
        quantity: 8,
        metrics: { orders: 3, ratings: 3.5 },
      })
    })

    it('$push with $each, $sort and $slice', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/push/
      const students = collection()
      await students.insertMany([
        { _id: 1, scores: [44, 78, 38, 80] },
        {
          _id: 5,
          quizzes: [
            { wk: 1, score: 10 },
            { wk: 2, score: 8 },
            { wk: 3, score: 5 },
            { wk: 4, score: 6 },
          ],
        },
      ])
      await students.updateOne({ _id: 1 }, { $push: { scores: 89 } })
      await students.updateOne({ _id: 1 }, { $push: { scores: { $each: [90, 92, 85] } } })
      expect(await students.findOne({ _id: 1 })).toEqual({
        _id: 1,
        scores: [44, 78, 38, 80, 89, 90, 92, 85],
      })
      await students.updateOne(
        { _id: 5 },
        {
          $push: {
            quizzes: {
              $each: [
                { wk: 5, score: 8 },
                { wk: 6, score: 7 },
                { wk: 7, score: 6 },
              ],
              $sort: { score: -1 },
              $slice: 3,
            },
          },
        },
      )
      expect(await students.findOne({ _id: 5 })).toEqual({
        _id: 5,
        quizzes: [
          { wk: 1, score: 10 },
          { wk: 2, score: 8 },
          { wk: 5, score: 8 },
        ],
      })
    })

    it('$pull by value, by $in and by condition', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/pull/
      const stores = collection()
      await stores.insertMany([
        {
          _id: 1,
          fruits: ['apples', 'pears', 'oranges', 'grapes', 'bananas'],
          vegetables: ['carrots', 'celery', 'squash', 'carrots'],
        },
        {
          _id: 2,
          fruits: ['plums', 'kiwis', 'oranges', 'bananas', 'apples'],
          vegetables: ['broccoli', 'zucchini', 'carrots', 'onions'],
        },
      ])
      const result = await stores.updateMany(
        {},
        { $pull: { fruits: { $in: ['apples', 'oranges'] }, vegetables: 'carrots' } },
      )
      expect(result).toEqual({ matchedCount: 2, modifiedCount: 2 })
      expect(await stores.find()).toEqual([
        { _id: 1, fruits: ['pears', 'grapes', 'bananas'], vegetables: ['celery', 'squash'] },
        {
          _id: 2,
          fruits: ['plums', 'kiwis', 'bananas'],
          vegetables: ['broccoli', 'zucchini', 'onions'],
        },
      ])
      const profiles = collection()
      await profiles.insertOne({ _id: 1, votes: [3, 5, 6, 7, 7, 8] })
      await profiles.updateOne({ _id: 1 }, { $pull: { votes: { $gte: 6 } } })
      expect(await profiles.findOne({ _id: 1 })).toEqual({ _id: 1, votes: [3, 5] })
    })

    it('$addToSet, with $each, and no change when the value is there', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/addToSet/
      const pigments = collection()
      await pigments.insertOne({ _id: 1, letters: ['a', 'b'] })
      await pigments.updateOne({ _id: 1 }, { $addToSet: { letters: ['c', 'd'] } })
      expect(await pigments.findOne({ _id: 1 })).toEqual({
        _id: 1,
        letters: ['a', 'b', ['c', 'd']],
      })
      const inventory = collection()
      await inventory.insertMany([
        { _id: 1, item: 'polarizing_filter', tags: ['electronics', 'camera'] },
        { _id: 2, item: 'cable', tags: ['electronics', 'supplies'] },
      ])
      expect(await inventory.updateOne({ _id: 1 }, { $addToSet: { tags: 'accessories' } })).toEqual(
        {
          matchedCount: 1,
          modifiedCount: 1,
        },
      )
      expect(await inventory.updateOne({ _id: 1 }, { $addToSet: { tags: 'camera' } })).toEqual({
        matchedCount: 1,
        modifiedCount: 0,
      })
      await inventory.updateOne(
        { _id: 2 },
        { $addToSet: { tags: { $each: ['camera', 'electronics', 'accessories'] } } },
      )
      expect(await inventory.findOne({ _id: 2 })).toEqual({
        _id: 2,
        item: 'cable',
        tags: ['electronics', 'supplies', 'camera', 'accessories'],
      })
    })

    it('$setOnInsert applies only when the upsert inserts', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/setOnInsert/
      const products = collection()
      const inserted = await products.updateOne(
        { _id: 1 },
        { $set: { item: 'apple' }, $setOnInsert: { defaultQty: 100 } },
        { upsert: true },
      )
      expect(inserted).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 1 })
      expect(await products.findOne({ _id: 1 })).toEqual({ _id: 1, item: 'apple', defaultQty: 100 })
      await products.updateOne(
        { _id: 1 },
        { $set: { item: 'pear' }, $setOnInsert: { defaultQty: 5 } },
        { upsert: true },
      )
      expect(await products.findOne({ _id: 1 })).toEqual({ _id: 1, item: 'pear', defaultQty: 100 })
    })

    it('$currentDate as a Date and as a Timestamp', async () => {
      // https://www.mongodb.com/docs/manual/reference/operator/update/currentDate/
      const at = new Date('2025-01-02T03:04:05.000Z')
      const customers = collection({ now: () => at })
      await customers.insertOne({ _id: 1, status: 'a', lastModified: new Date(0) })
      await customers.updateOne(
        { _id: 1 },
        {
          $currentDate: { lastModified: true, 'cancellation.date': { $type: 'timestamp' } },
          $set: { 'cancellation.reason': 'user request', status: 'D' },
        },
      )
      const doc = await customers.findOne({ _id: 1 })
      expect(doc).toEqual({
        _id: 1,
        status: 'D',
        lastModified: at,
        cancellation: { date: expect.any(Timestamp), reason: 'user request' },
      })
      expect((doc?.cancellation as { date: Timestamp }).date.t).toBe(at.getTime() / 1000)
    })

    it('upserts from the filter and may choose the _id with $set (the manual example)', async () => {
      // https://www.mongodb.com/docs/manual/reference/method/db.collection.updateOne/
      const restaurants = collection()
      const result = await restaurants.updateOne(
        { name: "Pizza Rat's Pizzaria" },
        { $set: { _id: 4, violations: 7, borough: 'Manhattan' } },
        { upsert: true },
      )
      expect(result).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 4 })
      expect(await restaurants.findOne({ _id: 4 })).toEqual({
        _id: 4,
        name: "Pizza Rat's Pizzaria",
        violations: 7,
        borough: 'Manhattan',
      })
      const seeded = await restaurants.updateOne(
        { 'address.city': 'Paris', rating: { $gt: 3 } },
        { $set: { open: true } },
        { upsert: true },
      )
      expect(await restaurants.findOne({ _id: seeded.upsertedId })).toEqual({
        _id: expect.any(ObjectId),
        address: { city: 'Paris' },
        open: true,
      })
    })

    it('refuses what MongoDB refuses, with its reasons', async () => {
      const docs = collection()
      await docs.insertOne({ _id: 1, name: 'x', list: 'not an array' })
      await expect(docs.updateOne({ _id: 1 }, { $set: { a: 1 }, name: 'y' })).rejects.toThrow(
        'mixes update operators and fields',
      )
      await expect(docs.updateOne({ _id: 1 }, {})).rejects.toThrow('update operators')
      await expect(docs.updateOne({ _id: 1 }, { $rename: 'bad' })).rejects.toThrow(
        'the argument of $rename must be an object',
      )
      await expect(docs.updateOne({ _id: 1 }, { $frobnicate: { a: 1 } })).rejects.toThrow(
        'unknown update operator "$frobnicate"',
      )
      await expect(docs.updateOne({ _id: 1 }, { $inc: { name: 1 } })).rejects.toThrow(
        'cannot apply $inc to "name", a value of type string',
      )
      await expect(docs.updateOne({ _id: 1 }, { $push: { list: 1 } })).rejects.toThrow(
        'must be an array',
      )
      await expect(
        docs.updateOne({ _id: 1 }, { $set: { a: 1 }, $unset: { a: '' } }),
      ).rejects.toThrow('would conflict')
      await expect(docs.updateOne({ _id: 1 }, { $set: { _id: 2 } })).rejects.toThrow('_id')
      for (const path of ['', 'a..b', 'a.']) {
        await expect(docs.updateOne({ _id: 1 }, { $set: { [path]: 1 } })).rejects.toThrow(
          'contains an empty field name',
        )
      }
      await expect(docs.updateOne({ _id: 1 }, { $rename: { name: 'a..b' } })).rejects.toThrow(
        'contains an empty field name',
      )
      await expect(docs.find({ a: { $bogus: 1 } })).rejects.toThrow('$bogus')
      await expect(docs.find({ $where: 'this.a == 1' })).rejects.toThrow()
      // A malformed regular expression is the caller's mistake (a MongoDBError), not ours.
      for (const bad of [
        { name: { $regex: '(' } },
        { $expr: { $regexMatch: { input: '$name', regex: '[' } } },
      ]) {
        await expect(docs.find(bad)).rejects.toMatchObject({ code: 'MongoDBError' })
      }
      await expect(
        docs.aggregate([{ $project: { m: { $regexFind: { input: '$name', regex: '(' } } } }]),
      ).rejects.toMatchObject({ code: 'MongoDBError' })
      await expect(docs.insertOne({ _id: 1 })).rejects.toThrow('E11000 duplicate key error')
      await expect(docs.insertOne({ $set: 1 })).rejects.toThrow('cannot start with "$"')
      await expect(docs.insertOne({ a: { $oid: 'x' } })).rejects.toThrow('cannot start with "$"')
      await expect(docs.insertOne({ a: 'nul \u0000 inside' })).rejects.toThrow('NUL character')
      await expect(docs.insertOne({ _id: [1, 2] })).rejects.toThrow('_id cannot be an array')
      await expect(docs.insertOne({ _id: new BSONRegExp('a') })).rejects.toThrow(
        '_id cannot be a regular expression',
      )
      await expect(docs.replaceOne({ _id: 1 }, { $set: { a: 1 } })).rejects.toThrow(
        'must not contain update operators',
      )
      await expect(docs.replaceOne({ _id: 1 }, { _id: 9, a: 1 })).rejects.toThrow(
        'the _id field cannot be changed',
      )
      expect(await docs.find()).toEqual([{ _id: 1, name: 'x', list: 'not an array' }])
    })

    it('keeps dotted field names literally', async () => {
      const docs = collection()
      await docs.insertOne({ _id: 1, 'a.b': 1 })
      expect(await docs.findOne({ _id: 1 })).toEqual({ _id: 1, 'a.b': 1 })
    })
  })

  describe('replace, delete and the findOneAnd* family', () => {
    it('replaceOne (the manual example)', async () => {
      // https://www.mongodb.com/docs/manual/reference/method/db.collection.replaceOne/
      const restaurant = collection()
      const { insertedId } = await restaurant.insertOne({
        name: 'Central Perk Cafe',
        Borough: 'Manhattan',
      })
      expect(
        await restaurant.replaceOne(
          { name: 'Central Perk Cafe' },
          { name: 'Central Pork Cafe', Borough: 'Manhattan' },
        ),
      ).toEqual({ matchedCount: 1, modifiedCount: 1 })
      expect(await restaurant.find()).toEqual([
        { _id: insertedId, name: 'Central Pork Cafe', Borough: 'Manhattan' },
      ])
      expect(
        await restaurant.replaceOne({ name: 'Pizza Rat' }, { name: 'Pizza Rat' }, { upsert: true }),
      ).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: expect.any(ObjectId) })
    })

    it('deleteOne and deleteMany', async () => {
      const docs = collection()
      await docs.insertMany([{ a: 1 }, { a: 1 }, { a: 2 }])
      expect(await docs.deleteOne({ a: 1 })).toEqual({ deletedCount: 1 })
      expect(await docs.deleteMany({ a: { $gte: 1 } })).toEqual({ deletedCount: 2 })
      expect(await docs.deleteMany({})).toEqual({ deletedCount: 0 })
    })

    it('findOneAndUpdate answers the original unless asked for the new one', async () => {
      // https://www.mongodb.com/docs/manual/reference/method/db.collection.findOneAndUpdate/
      const grades = collection()
      await grades.insertMany([
        { _id: 6305, name: 'A. MacDyver', assignment: 5, points: 24 },
        { _id: 6308, name: 'B. Batlock', assignment: 3, points: 22 },
        { _id: 6312, name: 'M. Tagnum', assignment: 5, points: 30 },
        { _id: 6319, name: 'R. Stiles', assignment: 2, points: 12 },
        { _id: 6322, name: 'A. MacDyver', assignment: 2, points: 14 },
        { _id: 6234, name: 'R. Stiles', assignment: 1, points: 10 },
      ])
      expect(await grades.findOneAndUpdate({ name: 'R. Stiles' }, { $inc: { points: 5 } })).toEqual(
        {
          _id: 6319,
          name: 'R. Stiles',
          assignment: 2,
          points: 12,
        },
      )
      expect(
        await grades.findOneAndUpdate(
          { name: 'A. MacDyver' },
          { $inc: { points: 5 } },
          { sort: { points: 1 }, returnNewDocument: true, projection: { points: 1 } },
        ),
      ).toEqual({ _id: 6322, points: 19 })
      // https://www.mongodb.com/docs/manual/reference/method/db.collection.findOneAndDelete/
      expect(await grades.findOneAndDelete({ name: 'M. Tagnum' }, { sort: { points: 1 } })).toEqual(
        {
          _id: 6312,
          name: 'M. Tagnum',
          assignment: 5,
          points: 30,
        },
      )
      expect(await grades.findOne({ _id: 6312 })).toBeNull()
      expect(
        await grades.findOneAndReplace(
          { _id: 6234 },
          { name: 'R. Stiles', points: 0 },
          { returnDocument: 'after' },
        ),
      ).toEqual({ _id: 6234, name: 'R. Stiles', points: 0 })
      expect(
        await grades.findOneAndUpdate(
          { name: 'New' },
          { $set: { points: 1 } },
          { upsert: true, returnNewDocument: true },
        ),
      ).toEqual({ _id: expect.any(ObjectId), name: 'New', points: 1 })
    })
  })

  // realm-js packages/realm-web-integration-tests/src/remote-mongodb-service.test.ts: App Services
  // accepted a plain document in updateOne, updateMany and findOneAndUpdate and replaced with it.
  describe('updates without operators replace, as App Services did', () => {
    const people = async () => {
      const docs = collection()
      await docs.insertMany([
        { runId: 1, name: 'Alice', hiddenField: 'very-secret' },
        { runId: 1, name: 'Bob', hiddenField: 'very-secret' },
        { runId: 1, name: 'Charlie', hiddenField: 'very-secret' },
      ])
      return docs
    }

    it('updateOne replaces the first match, keeping its _id ("can update a document")', async () => {
      const docs = await people()
      const alice = await docs.findOne({ name: 'Alice' })
      expect(await docs.updateOne({ runId: 1, name: 'Alice' }, { name: 'Alison' })).toEqual({
        matchedCount: 1,
        modifiedCount: 1,
      })
      expect(await docs.findOne({ _id: alice?._id })).toEqual({ _id: alice?._id, name: 'Alison' })
    })

    it('updateMany replaces every match ("can update many documents")', async () => {
      const docs = await people()
      expect(await docs.updateMany({ runId: 1 }, { hiddenField: 'same secret' })).toEqual({
        matchedCount: 3,
        modifiedCount: 3,
      })
      expect(await docs.find({}, { projection: { _id: 0 } })).toEqual([
        { hiddenField: 'same secret' },
        { hiddenField: 'same secret' },
        { hiddenField: 'same secret' },
      ])
    })

    it('an upsert inserts the replacement alone ("upserts ... when updating", one and many)', async () => {
      const docs = await people()
      for (const action of ['updateOne', 'updateMany'] as const) {
        const result = await docs[action](
          { runId: 1, name: `Dennis ${action}` },
          { runId: 1, name: `Dennis ${action}` },
          { upsert: true },
        )
        expect(result).toEqual({
          matchedCount: 0,
          modifiedCount: 0,
          upsertedId: expect.any(ObjectId),
        })
        expect(await docs.findOne({ _id: result.upsertedId })).toEqual({
          _id: result.upsertedId,
          runId: 1,
          name: `Dennis ${action}`,
        })
      }
      // Nothing of the filter but its _id goes into the inserted document.
      expect(
        await docs.findOneAndUpdate(
          { runId: 1, name: 'Nobody' },
          { name: 'Dennis', hiddenField: 'a hidden value' },
          { upsert: true, returnNewDocument: true },
        ),
      ).toEqual({ _id: expect.any(ObjectId), name: 'Dennis', hiddenField: 'a hidden value' })
      await docs.updateOne({ _id: 'chosen', runId: 1 }, { name: 'E' }, { upsert: true })
      expect(await docs.findOne({ _id: 'chosen' })).toEqual({ _id: 'chosen', name: 'E' })
    })

    it('findOneAndUpdate answers the replaced document, projected ("can find and update a document")', async () => {
      const docs = await people()
      expect(
        await docs.findOneAndUpdate(
          { runId: 1, name: 'Bob' },
          { name: 'Bobby' },
          { projection: { name: 1 }, returnNewDocument: true },
        ),
      ).toEqual({ _id: expect.any(ObjectId), name: 'Bobby' })
    })

    it('refuses a replacement that would change _id, and changes nothing', async () => {
      const docs = await people()
      await expect(docs.updateMany({ runId: 1 }, { _id: 'mine', name: 'x' })).rejects.toThrow(
        'the _id field cannot be changed',
      )
      expect(await docs.count({ runId: 1 })).toBe(3)
    })
  })

  describe('field order', () => {
    it('keeps the written order of fields, where jsonb would sort them by length', async () => {
      const docs = collection()
      const written = { _id: 1, zebra: 1, a: { yy: 1, b: 2 }, mm: [{ long: 1, s: 2 }], q: null }
      await docs.insertOne(written)
      const order = (doc: unknown) => JSON.stringify(doc)
      expect(order(await docs.findOne({ _id: 1 }))).toBe(order(written))
      // An update keeps the order and appends new fields, as MongoDB does.
      await docs.updateOne({ _id: 1 }, { $set: { 'a.c': 3, added: true, zebra: 2 } })
      expect(order(await docs.findOne({ _id: 1 }))).toBe(
        order({
          _id: 1,
          zebra: 2,
          a: { yy: 1, b: 2, c: 3 },
          mm: [{ long: 1, s: 2 }],
          q: null,
          added: true,
        }),
      )
      await docs.replaceOne({ _id: 1 }, { second: 1, first: 2 })
      expect(Object.keys((await docs.findOne({ _id: 1 })) ?? {})).toEqual([
        '_id',
        'second',
        'first',
      ])
    })
  })

  describe('BSON types', () => {
    it('round-trip ObjectId, Date, Long, Decimal128, Timestamp and Binary exactly', async () => {
      const docs = collection()
      const doc = {
        _id: new ObjectId(),
        at: new Date('2024-05-06T07:08:09.010Z'),
        big: Long.fromString('9007199254740993'),
        price: Decimal128.fromString('19.99'),
        ts: new Timestamp({ t: 1, i: 2 }),
        bytes: new Binary(Buffer.from([1, 2, 3])),
        nested: [{ id: new ObjectId('65a0000000000000000000ee') }],
      }
      await docs.insertOne(doc)
      const read = await docs.findOne({ _id: new ObjectId(doc._id.toHexString()) })
      expect(read).toEqual(doc)
      expect(read?.big).toBeInstanceOf(Long)
      expect(String(read?.price)).toBe('19.99')
    })

    it('compares them in queries and sorts', async () => {
      const docs = collection()
      await docs.insertMany([
        {
          _id: 1,
          big: Long.fromString('9007199254740993'),
          at: new Date(1000),
          price: Decimal128.fromString('1.5'),
        },
        { _id: 2, big: 5, at: new Date(3000), price: Decimal128.fromString('20.25') },
      ])
      const ids = (found: Document[]) => found.map((d) => d._id)
      expect(ids(await docs.find({ big: { $gt: 10 } }))).toEqual([1])
      expect(ids(await docs.find({ at: { $gte: new Date(2000) } }))).toEqual([2])
      expect(ids(await docs.find({ at: new Date(1000) }))).toEqual([1])
      expect(ids(await docs.find({ price: { $lt: 2 } }))).toEqual([1])
      expect(ids(await docs.find({}, { sort: { big: -1 } }))).toEqual([1, 2])
      expect(ids(await docs.find({ 'nested.id': new ObjectId() }))).toEqual([])
      await expect(docs.updateOne({ _id: 1 }, { $inc: { big: 1 } })).rejects.toThrow(
        'Long or Decimal128',
      )
    })
  })

  describe('atomicity and concurrency', () => {
    it('insertMany writes all or nothing', async () => {
      const docs = collection()
      await docs.insertOne({ _id: 2 })
      await expect(docs.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }])).rejects.toThrow('E11000')
      expect(await docs.find()).toEqual([{ _id: 2 }])
    })

    it('E1: 50 parallel upserts for one user leave exactly one document and lose no update', async () => {
      const users = collection({ userIdField: 'userId' })
      await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          users.updateOne(
            { userId: 'u1' },
            { $set: { color: `c${index}` }, $inc: { version: 1 } },
            { upsert: true },
          ),
        ),
      )
      const found = await users.find({ userId: 'u1' })
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({
        userId: 'u1',
        version: 50,
        color: expect.stringMatching(/^c\d+$/),
      })
    })

    it('E2: a first-ever write raced by two requests: both succeed, one document', async () => {
      const users = collection({ userIdField: 'userId' })
      const results = await Promise.allSettled([
        users.updateOne({ userId: 'u2' }, { $set: { a: 1 } }, { upsert: true }),
        users.updateOne({ userId: 'u2' }, { $set: { b: 2 } }, { upsert: true }),
      ])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
      expect(await users.find({ userId: 'u2' })).toEqual([
        { _id: expect.any(ObjectId), userId: 'u2', a: 1, b: 2 },
      ])
    })

    it('upserts on one _id race to one document', async () => {
      const docs = collection()
      await Promise.all(
        Array.from({ length: 20 }, () =>
          docs.updateOne({ _id: 'same' }, { $inc: { n: 1 } }, { upsert: true }),
        ),
      )
      expect(await docs.find()).toEqual([{ _id: 'same', n: 20 }])
    })

    it('refuses a custom-data document over the token size limit and stores nothing', async () => {
      const users = collection({ userIdField: 'userId', maxDocumentBytes: 1024 })
      await expect(
        users.updateOne({ userId: 'big' }, { $set: { blob: 'x'.repeat(2000) } }, { upsert: true }),
      ).rejects.toThrow('at most 1024 bytes')
      expect(await users.count()).toBe(0)
    })
  })

  it('narrows user-id lookups through the expression index', async () => {
    await ensureUserIdIndex(store, 'owner.id')
    const users = collection({ userIdField: 'owner.id' })
    await users.insertMany([
      { owner: { id: 'a' } },
      { owner: { id: 'b' } },
      { owner: [{ id: 'c' }] },
    ])
    expect((await users.find({ 'owner.id': 'c' })).length).toBe(1)
    const plan = await store.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off')
      return tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM documents WHERE db = 'test' AND coll = 'x' AND (doc #>> '{"owner","id"}') = 'a'`,
      )
    })
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/documents_user_id_/)
  })
})
