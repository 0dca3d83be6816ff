import { Binary, Decimal128, Long, ObjectId, Timestamp } from 'bson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import type { Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import { createCollection, type Collection } from './createCollection'
import { idKey, type Document } from './documentCodec'
import { compileFilter, viewOf } from './mingoQueries'
import { narrowFilter } from './narrowFilter'
import { ensureUserIdIndex } from './userIdIndex'

// The SQL narrowing may only ever drop documents the filter cannot match: whatever a filter
// is, `find` (narrowing, then mingo on what is left) must answer exactly what mingo answers on
// the whole collection. This runs every operator the narrowing reads, and a sample of those it
// must leave alone, over a corpus of awkward documents, and compares the two.

const OID = new ObjectId('65a0000000000000000000aa')
const OTHER_OID = new ObjectId('65a0000000000000000000bb')
const WHEN = new Date('2024-05-06T07:08:09.010Z')

/** Values a field takes in the corpus and in the filters: every BSON type, and the corners. */
const VALUES: readonly unknown[] = [
  'x',
  'X',
  '',
  'a.b*c',
  '^(x)$',
  '%_\\',
  "it's",
  '"quoted"',
  'e\u0301', // NFD: e + combining acute
  '\u00e9', // NFC: é
  '{"$oid":"65a0000000000000000000aa"}',
  0,
  -0,
  1,
  1.5,
  -7,
  2 ** 31,
  2 ** 53 - 1,
  Long.fromString('9007199254740993'),
  Decimal128.fromString('1'),
  Decimal128.fromString('1.50'),
  NaN,
  Infinity,
  true,
  false,
  null,
  WHEN,
  new Date(0),
  OID,
  OTHER_OID,
  new Timestamp({ t: 1, i: 1 }),
  new Binary(Buffer.from('x')),
  ['x'],
  [['x']],
  [],
  ['x', 1, null],
  { b: 'x' },
  { b: ['x'] },
  [{ b: 'x' }],
  [[{ b: 'x' }]],
  { b: { c: 'x' } },
  [{ b: [{ c: 'x' }] }],
  { $numberInt: 'not a wrapper' },
]

/** Documents as a client's EJSON would arrive (numbers decoded the way the routes decode them). */
const asReceived = (value: unknown): Document => decodeEjson(encodeCanonical(value)) as Document

/**
 * An array directly inside an array. mingo walks a dotted path through such arrays more loosely
 * than MongoDB does (`{ "a.b": "x" }` matches `{ a: [["x"]] }`, which has no `b`), and no SQL
 * narrowing can follow that; the narrowing follows MongoDB (see the test of nested arrays
 * below), so these values sit only in fields no dotted path of the filters walks through.
 */
const holdsNestedArray = (value: unknown): boolean =>
  Array.isArray(value) && value.some(Array.isArray)

const corpus = (): Document[] => {
  const docs: Document[] = []
  let n = 0
  const add = (doc: Document) => docs.push(asReceived({ n: (n += 1), ...doc }))
  add({})
  for (const value of VALUES) {
    if (value !== null && typeof value === 'object' && '$numberInt' in value) continue
    add({ v: value })
    add({ userId: value })
    if (holdsNestedArray(value)) continue
    add({ a: value })
    if (Array.isArray(value)) continue
    add({ a: { b: value } })
    add({ a: [{ b: value }] })
    add({ a: { b: { c: value } } })
    add({ a: [{ b: [{ c: value }] }] })
    add({ a: [value, 'y'] })
  }
  // Arrays (not nested) one level down.
  add({ a: { b: ['x', 'y'] } })
  add({ a: [{ b: ['x'] }, { b: 'z' }] })
  add({ a: { b: [{ c: 'x' }, { c: ['x', 1] }] } })
  // Numeric and odd _ids: MongoDB matches 1 against 1.0, Long(1) and Decimal128('1').
  for (const id of [
    1,
    1.5,
    -0,
    Decimal128.fromString('1'),
    Decimal128.fromString('1.0'),
    Long.fromString('9007199254740993'),
    'x',
    OID,
    WHEN,
    true,
  ]) {
    add({ _id: id, kind: 'id' })
  }
  return docs
}

const FIELDS = ['v', 'a', 'a.b', 'a.b.c', 'a.0', 'a.0.b', 'a.b.c.d', 'userId', '_id'] as const

/** Filters over one field and one value, in the forms the narrowing reads. */
const narrowedFilters = (field: string, value: unknown): Document[] => [
  { [field]: value },
  { [field]: { $eq: value } },
  { [field]: { $in: [value, 'y'] } },
  { $and: [{ [field]: value }, { n: { $gte: 0 } }] },
  { [field]: value, n: { $exists: true } },
]

/** Filters over one field and one value that the narrowing must leave to mingo. */
const unnarrowedFilters = (field: string, value: unknown): Document[] => [
  { [field]: { $ne: value } },
  { [field]: { $nin: [value] } },
  { [field]: { $not: { $eq: value } } },
  { $or: [{ [field]: value }, { v: 'x' }] },
  { $nor: [{ [field]: value }] },
  { [field]: { $all: [value] } },
  { [field]: { $elemMatch: { $eq: value } } },
  { [field]: { $gte: value } },
  { [field]: { $eq: value, $exists: true } },
]

/** The values the second kind is tried with: one of each type is enough there. */
const SOME_VALUES: readonly unknown[] = ['x', 1, Decimal128.fromString('1'), null, OID, WHEN, ['x']]

/** Filters that are not about one value. */
const OTHER_FILTERS: Document[] = [
  {},
  { v: { $exists: false } },
  { v: { $type: 'string' } },
  { a: { $size: 2 } },
  { v: { $in: [] } },
  { v: { $in: Array.from({ length: 40 }, (_, i) => `value ${i}`).concat('x') } },
  { _id: { $in: Array.from({ length: 40 }, (_, i) => i).concat(1) } },
  { userId: { $in: Array.from({ length: 40 }, (_, i) => `user ${i}`).concat('x') } },
  { 'a.b': { $in: Array.from({ length: 40 }, (_, i) => `value ${i}`).concat('x') } },
  { v: 'x', $and: [{ a: 'x' }] },
  { $and: [{ $and: [{ v: 'x' }] }, { v: { $in: ['x', 'X'] } }] },
  { $expr: { $eq: ['$v', 'x'] } },
  { v: { $regex: '^x$' } },
  { 'a..b': 'x' },
  { '': 'x' },
  { 'a.': 'x' },
  { v: { $in: [{ $regex: 'x' }] } },
]

const allFilters = (): Document[] => {
  const filters = [...OTHER_FILTERS]
  for (const field of FIELDS) {
    for (const value of VALUES) filters.push(...narrowedFilters(field, value))
    for (const value of SOME_VALUES) filters.push(...unnarrowedFilters(field, value))
  }
  return filters
}

const keys = (docs: readonly Document[]): string[] => docs.map((doc) => idKey(doc._id))

/** What mingo alone says: every document of the collection, tested one by one. */
const mingoOnAll = (docs: readonly Document[], filter: Document): Document[] | Error => {
  try {
    const test = compileFilter(filter)
    return docs.filter((doc) => test(viewOf(doc).view))
  } catch (error) {
    return error as Error
  }
}

const show = (value: unknown): string => JSON.stringify(encodeCanonical(value))

describe.each(testStores())('the SQL narrowing against mingo on $kind', (kind) => {
  let store: Store
  let docs: Document[]
  let collection: Collection
  beforeAll(async () => {
    store = await kind.open()
    await ensureUserIdIndex(store, 'userId')
    collection = createCollection({ store, db: 'narrow', coll: 'corpus', userIdField: 'userId' })
    await collection.insertMany(corpus())
    docs = await collection.find({})
  })
  afterAll(() => store.close())

  it('the corpus is what the filters need: every document stored, every value type present', () => {
    expect(docs).toHaveLength(corpus().length)
  })

  it('a find with $in of 30 values fails: a narrowing left out leaves no parameters behind', async () => {
    const audit = createCollection({ store, db: 'narrow', coll: 'audit', userIdField: 'userId' })
    await audit.insertMany(
      Array.from({ length: 40 }, (_, i) => ({
        _id: i,
        kind: `k${i}`,
        userId: `u${i}`,
        at: { k: `k${i}` },
      })),
    )
    const thirty = (prefix: string) => Array.from({ length: 30 }, (_, i) => `${prefix}${i + 5}`)
    const ids = async (filter: Document) => (await audit.find(filter)).map((doc) => doc._id)
    const expected = Array.from({ length: 30 }, (_, i) => i + 5)
    expect(await ids({ kind: { $in: thirty('k') } })).toEqual(expected)
    expect(await ids({ 'at.k': { $in: thirty('k') } })).toEqual(expected)
    expect(await ids({ userId: { $in: thirty('u') } })).toEqual(expected)
    // A narrowed condition after the one left out still gets the right parameters.
    expect(await ids({ kind: { $in: thirty('k') }, userId: 'u7' })).toEqual([7])
    expect(await audit.count({ kind: { $in: thirty('k') }, _id: { $in: [5, 6, 99] } })).toBe(2)
  })

  it('a numeric _id finds the equal decimal and negative-zero _ids, as MongoDB does', async () => {
    const ids = createCollection({ store, db: 'narrow', coll: 'ids' })
    await ids.insertMany(
      [1, Decimal128.fromString('1.0'), -0, Decimal128.fromString('0'), 2].map((_id, n) => ({
        _id,
        n,
      })),
    )
    const ns = async (filter: Document) => (await ids.find(filter)).map((doc) => doc.n)
    expect(await ns({ _id: 1 })).toEqual([0, 1])
    expect(await ns({ _id: 0 })).toEqual([2, 3])
    expect(await ns({ _id: { $in: [2, -0] } })).toEqual([2, 3, 4])
  })

  it('arrays nested in arrays: a dotted path does not walk into them, as in MongoDB', async () => {
    // MongoDB walks a path through an array of documents, and compares the elements of the array
    // a path ends at, but never looks inside an array held by an array (only a whole-array
    // equality or a numeric position reaches it). mingo alone matches every document below for
    // { "a.b": "x" }.
    const nested = createCollection({ store, db: 'narrow', coll: 'nested' })
    await nested.insertMany([
      { _id: 1, a: [['x'], 'y'] },
      { _id: 2, a: [['x']] },
      { _id: 3, a: { b: [['x']] } },
      { _id: 4, a: [{ b: [['x']] }] },
      { _id: 5, a: [{ b: ['x'] }] },
      { _id: 6, a: { b: [['x'], 'x'] } },
    ])
    const ids = async (filter: Document) => (await nested.find(filter)).map((doc) => doc._id)
    expect(await ids({ 'a.b': 'x' })).toEqual([5, 6])
    expect(await ids({ 'a.b': { $in: ['x'] } })).toEqual([5, 6])
    expect(await ids({ a: [['x']] })).toEqual([2])
    expect(await ids({ 'a.0': ['x'] })).toEqual([1, 2])
  })

  it('find answers exactly what mingo answers on the whole collection, for every filter', async () => {
    const differences: string[] = []
    let narrowed = 0
    for (const filter of allFilters()) {
      const expected = mingoOnAll(docs, filter)
      if (narrowFilter(filter, { userIdField: 'userId', firstParam: 3 }).clauses.length > 0) {
        narrowed += 1
      }
      const actual = await collection.find(filter).catch((error: unknown) => error as Error)
      if (expected instanceof Error || actual instanceof Error) {
        // A filter mingo refuses must be refused the same way, never half-answered.
        if (!(expected instanceof Error && actual instanceof Error)) {
          const said = (outcome: unknown) =>
            outcome instanceof Error
              ? outcome.message
              : `${(outcome as unknown[]).length} documents`
          differences.push(`${show(filter)}: mingo ${said(expected)}, find ${said(actual)}`)
        }
        continue
      }
      if (keys(actual).join() !== keys(expected).join()) {
        const missing = keys(expected).filter((key) => !keys(actual).includes(key))
        const extra = keys(actual).filter((key) => !keys(expected).includes(key))
        const byKey = (key: string) => show(docs.find((doc) => idKey(doc._id) === key))
        differences.push(
          `${show(filter)}: missing ${missing.map(byKey).join(' ')}; extra ${extra.join(' ')}`,
        )
      }
    }
    expect(differences).toEqual([])
    // The comparison is about the narrowing: most filters above must have been narrowed.
    expect(narrowed).toBeGreaterThan(500)
  })
})
