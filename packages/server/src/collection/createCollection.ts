import { EJSON } from 'bson'
import { resolve } from 'mingo/util'
import { encodeRelaxed } from '../ejson/ejsonCodec'
import { writeSettingsSql } from '../feed/writeSettings'
import type { Queryable, Store } from '../store/Store'
import { applyUpdate } from './applyUpdate'
import { systemAccess, type CollectionAccess } from './CollectionAccess'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { mongoError } from './mongoError'
import { lockCollection, type WriteLock } from './collectionLocks'
import { fromStored, idKey, toStored, withId, type Document } from './documentCodec'
import {
  aggregateViews,
  checkSort,
  compileFilter,
  project,
  sortViewed,
  viewOf,
  type Viewed,
} from './mingoQueries'
import { narrowFilter } from './narrowFilter'
import { upsertSeed } from './upsertSeed'
import { validateDocument } from './validateDocument'
import { isPlainObject } from './isPlainObject'
import { isReplacementUpdate } from './isReplacementUpdate'

export interface FindOptions {
  projection?: Document
  sort?: Document
  /** At most this many documents; 0 or absent for all (a negative limit counts as positive). */
  limit?: number
  skip?: number
}

export interface CountOptions {
  limit?: number
  skip?: number
}

export interface UpdateOptions {
  upsert?: boolean
  arrayFilters?: Document[]
}

export interface FindOneAndModifyOptions {
  projection?: Document
  sort?: Document
  upsert?: boolean
  /** App Services' spelling: answer the document after the change. Default false. */
  returnNewDocument?: boolean
  /** The Node driver's spelling of the same. */
  returnDocument?: 'before' | 'after'
}

/** The result shape of MongoDB's `updateOne`, `updateMany` and `replaceOne`. */
export interface UpdateResult {
  matchedCount: number
  modifiedCount: number
  upsertedId?: unknown
}

export interface InsertOneResult {
  insertedId: unknown
}

/** App Services answers the ids as an array (the Node driver uses an index-keyed object). */
export interface InsertManyResult {
  insertedIds: unknown[]
}

export interface DeleteResult {
  deletedCount: number
}

/**
 * A MongoDB-style collection over the store's `documents` table: the API App Services functions
 * use (`context.services.get('mongodb-atlas').db(d).collection(c)`) and realm-web's
 * `mongoClient` calls reach.
 */
export interface Collection {
  find(filter?: Document, options?: FindOptions): Promise<Document[]>
  findOne(
    filter?: Document,
    options?: Pick<FindOptions, 'projection' | 'sort'>,
  ): Promise<Document | null>
  count(filter?: Document, options?: CountOptions): Promise<number>
  countDocuments(filter?: Document, options?: CountOptions): Promise<number>
  distinct(field: string, filter?: Document): Promise<unknown[]>
  aggregate(pipeline: Document[]): Promise<Document[]>
  insertOne(document: Document): Promise<InsertOneResult>
  insertMany(documents: Document[]): Promise<InsertManyResult>
  updateOne(filter: Document, update: Document, options?: UpdateOptions): Promise<UpdateResult>
  updateMany(filter: Document, update: Document, options?: UpdateOptions): Promise<UpdateResult>
  replaceOne(
    filter: Document,
    replacement: Document,
    options?: Pick<UpdateOptions, 'upsert'>,
  ): Promise<UpdateResult>
  deleteOne(filter: Document): Promise<DeleteResult>
  deleteMany(filter: Document): Promise<DeleteResult>
  findOneAndUpdate(
    filter: Document,
    update: Document,
    options?: FindOneAndModifyOptions,
  ): Promise<Document | null>
  findOneAndReplace(
    filter: Document,
    replacement: Document,
    options?: FindOneAndModifyOptions,
  ): Promise<Document | null>
  findOneAndDelete(
    filter: Document,
    options?: Pick<FindOneAndModifyOptions, 'projection' | 'sort'>,
  ): Promise<Document | null>
}

export interface CollectionOptions {
  readonly store: Store
  readonly db: string
  readonly coll: string
  /** Who is asking: rules for a user, `systemAccess` (the default) for the server and system functions. */
  readonly access?: CollectionAccess
  /**
   * Set on the custom-data collection: filters on this field use its expression index, and
   * writers of one user's document take turns, so concurrent upserts never create two.
   */
  readonly userIdField?: string
  /**
   * The largest document, in bytes of relaxed EJSON, for a collection whose documents travel in
   * access tokens (custom data). Default: none beyond MongoDB's 16 MiB.
   */
  readonly maxDocumentBytes?: number
  /** The time `$currentDate` writes. Default: the system clock. */
  readonly now?: () => Date
  /**
   * Called after a write that changed documents commits (the change feed's `announce`, which
   * wakes its readers in every process). Without it, the feed's trigger notifies inside the
   * write's transaction instead, which serialises the commits of concurrent writers.
   */
  readonly announce?: () => void
  /**
   * The writes' depth in a chain of database triggers, recorded with their change events
   * (`FeedChange.depth`): n + 1 for a trigger function run for an event of depth n. The trigger
   * runner stops a chain past its limit, the loop App Services left to run forever.
   */
  readonly triggerDepth?: number
}

/** MongoDB's document size limit. */
const BSON_MAX_BYTES = 16 * 1024 * 1024
const MAX_ATTEMPTS = 4
// How many rows one read of a partial load (`findOne`, `updateOne`, `find().limit(n)`) takes.
const LOAD_BATCH_ROWS = 200

/** How much of a filter's matches `load` reads, and whether it locks them for a write. */
interface LoadOptions {
  readonly forUpdate?: boolean
  /** Stop after this many matches (undefined: all of them). */
  readonly wanted?: number | undefined
}

interface Row extends Viewed {
  readonly id: string
  readonly stored: unknown
  /** The whole stored document; `doc` is what the caller may see of it (`access.read`). */
  readonly full: Document
}

/** What updates and replacements report, so the findOneAnd* variants can answer a document. */
interface Modification {
  readonly result: UpdateResult
  readonly before: Document | null
  readonly after: Document | null
}

/** How a write runs (see `write`). */
interface WriteOptions<T> {
  /** Whether the committed result changed a document. */
  readonly changed: (result: T) => boolean
  /** Every update in it replaces whole documents: the feed records them as `replace`. */
  readonly replacing?: boolean
}

const modified = (modification: Modification): boolean =>
  modification.result.modifiedCount > 0 || modification.result.upsertedId !== undefined

/** An upsert lost a race on the primary key: run it again, it will now find the document. */
class UpsertConflict extends Error {}

const pgCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

const isRetryable = (error: unknown): boolean =>
  error instanceof UpsertConflict || pgCode(error) === '40P01' || pgCode(error) === '40001'

const checkFilter = (filter: unknown, what = 'filter'): Document => {
  if (filter === undefined || filter === null) return {}
  if (!isPlainObject(filter)) throw mongoError(`the ${what} must be an object`)
  return filter
}

const checkCount = (value: unknown, name: string): number => {
  if (value === undefined || value === null) return 0
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw mongoError(`${name} must be an integer`)
  }
  if (name === 'skip' && value < 0) throw mongoError('skip must not be negative')
  return Math.abs(value)
}

const checkReplacement = (replacement: unknown): Document => {
  if (!isPlainObject(replacement)) throw mongoError('the replacement must be a document')
  if (Object.keys(replacement).some((key) => key.startsWith('$'))) {
    throw mongoError('the replacement must not contain update operators; use updateOne')
  }
  return replacement
}

const sameValue = (a: unknown, b: unknown): boolean => idKey(a) === idKey(b)

/** Creates the collection `coll` of database `db` for one caller. Filters and updates are MongoDB's, evaluated by mingo. */
export const createCollection = (options: CollectionOptions): Collection => {
  const { store, db, coll, userIdField, announce, triggerDepth } = options
  const access = options.access ?? systemAccess
  const now = options.now ?? (() => new Date())
  const namespace = `${db}.${coll}`

  const denied = (action: string): ServiceError =>
    new ServiceError(
      ErrorCode.NoMatchingRuleFound,
      `${action} not permitted: no rule lets this user ${action} this document in ${namespace}`,
    )

  const withAccessFilter = async (filter: Document): Promise<Document> => {
    const accessFilter = await access.queryFilter()
    return accessFilter ? { $and: [filter, accessFilter] } : filter
  }

  /**
   * The documents matching `filter` that the caller may read, in natural (insertion) order: all
   * of them, or only the first `wanted`. Those are read in batches that stop once enough matched,
   * so `findOne`, `updateOne` or `find().limit(n)` on a large collection neither reads nor (for a
   * write) locks every row the SQL narrowing lets through.
   */
  const load = async (
    q: Queryable,
    filter: Document,
    { forUpdate = false, wanted = Number.POSITIVE_INFINITY }: LoadOptions = {},
  ): Promise<Row[]> => {
    const full = await withAccessFilter(filter)
    const test = compileFilter(full)
    const owner = access.owner?.field === userIdField ? access.owner : undefined
    const narrowing = narrowFilter(full, {
      userIdField,
      firstParam: 3,
      ...(owner ? { ownerId: owner.userId ?? null } : {}),
    })
    const where = ['db = $1', 'coll = $2', ...narrowing.clauses].join(' AND ')
    const batched = Number.isFinite(wanted)
    const afterParam = `$${3 + narrowing.params.length}`
    const found: Row[] = []
    let after: string | undefined
    for (;;) {
      const rows = await q.query<{ id: string; doc: unknown; seq: string | number | bigint }>(
        // doc_text keeps the fields in their written order; doc (jsonb) is the queried form.
        `SELECT id, coalesce(doc_text, doc::text) AS doc, seq FROM documents WHERE ${where}` +
          (after === undefined ? '' : ` AND seq > ${afterParam}`) +
          ` ORDER BY seq${batched ? ` LIMIT ${LOAD_BATCH_ROWS}` : ''}${forUpdate ? ' FOR UPDATE' : ''}`,
        [db, coll, ...narrowing.params, ...(after === undefined ? [] : [after])],
      )
      for (const row of rows) {
        const doc = fromStored(row.doc)
        // Filters match what the caller may see: a field it may not read cannot be probed. Rules
        // answer at once unless one calls a function: no await (a tick) per row then.
        const decision = access.read(doc)
        const visible = decision instanceof Promise ? await decision : decision
        if (!visible) continue
        const viewed = viewOf(visible)
        if (!test(viewed.view)) continue
        found.push({ id: row.id, stored: row.doc, full: doc, ...viewed })
        if (found.length >= wanted) return found
      }
      const last = rows.at(-1)
      if (!batched || rows.length < LOAD_BATCH_ROWS || !last) return found
      after = String(last.seq)
    }
  }

  /**
   * The documents a write acts on, locked: every match (`many`), or the first one, in `sort`
   * order or else natural order. One document without a sort is the first match: the read stops
   * there.
   */
  const loadTargets = async (
    tx: Queryable,
    filter: Document,
    { sort, many }: { sort: ReturnType<typeof checkSort>; many: boolean },
  ): Promise<Row[]> => {
    let rows = await load(tx, filter, { forUpdate: true, wanted: many || sort ? undefined : 1 })
    if (sort) rows = sortViewed(rows, sort) as Row[]
    return many ? rows : rows.slice(0, 1)
  }

  /** A document ready to be stored, or a MongoDB-style error saying why it cannot be. */
  const checkStorable = (doc: Document): string => {
    validateDocument(doc)
    const stored = toStored(doc)
    if (Buffer.byteLength(stored) > BSON_MAX_BYTES) {
      throw mongoError(`the document exceeds MongoDB's ${BSON_MAX_BYTES}-byte limit`)
    }
    if (options.maxDocumentBytes !== undefined) {
      const size = Buffer.byteLength(JSON.stringify(encodeRelaxed(doc)))
      if (size > options.maxDocumentBytes) {
        throw mongoError(
          `the document would be ${size} bytes; documents in ${namespace} may have at most ${options.maxDocumentBytes} bytes, because they travel in every access token`,
        )
      }
    }
    return stored
  }

  const insertRow = async (tx: Queryable, doc: Document, upserting: boolean): Promise<void> => {
    const stored = checkStorable(doc)
    if (!(await access.canInsert(doc))) throw denied('insert')
    try {
      await tx.query(
        // $4 is text, so doc_text gets the very string; jsonb would answer its own key order.
        'INSERT INTO documents (db, coll, id, doc, doc_text) VALUES ($1, $2, $3, $4::text::jsonb, $4::text)',
        [db, coll, idKey(doc._id), stored],
      )
    } catch (error) {
      if (pgCode(error) !== '23505') throw error
      if (upserting) throw new UpsertConflict()
      throw mongoError(
        `E11000 duplicate key error collection: ${namespace} index: _id_ dup key: { _id: ${EJSON.stringify(doc._id)} }`,
      )
    }
  }

  const updateRow = async (tx: Queryable, row: Row, after: Document): Promise<void> => {
    const stored = checkStorable(after)
    if (!(await access.canUpdate(row.full, after))) throw denied('update')
    await tx.query(
      'UPDATE documents SET doc = $4::text::jsonb, doc_text = $4::text WHERE db = $1 AND coll = $2 AND id = $3',
      [db, coll, row.id, stored],
    )
  }

  const deleteRow = async (tx: Queryable, row: Row): Promise<void> => {
    if (!(await access.canDelete(row.full))) throw denied('delete')
    await tx.query('DELETE FROM documents WHERE db = $1 AND coll = $2 AND id = $3', [
      db,
      coll,
      row.id,
    ])
  }

  /** How a write on `filter` must lock (see `WriteLock`). */
  const lockFor = (filter: Document | undefined): WriteLock => {
    if (!filter) return { kind: 'shared' }
    const userId = userIdField ? filter[userIdField] : undefined
    const pinned = isPlainObject(userId) && Object.keys(userId).length === 1 ? userId.$eq : userId
    if (typeof pinned === 'string') return { kind: 'key', key: pinned }
    const id = filter._id
    if (
      id !== undefined &&
      !(isPlainObject(id) && Object.keys(id).some((k) => k.startsWith('$')))
    ) {
      return { kind: 'shared' }
    }
    return { kind: 'exclusive' }
  }

  /**
   * Runs one write in a transaction under its lock, retrying the races PostgreSQL reports
   * (deadlock, serialization failure, an upsert beaten to the insert). The change feed records
   * what it changed in the same transaction (the `documents` trigger), so a write that rolls
   * back leaves no event; once it has committed, `announce` wakes the feed's readers.
   */
  const write = async <T>(
    lock: WriteLock,
    run: (tx: Queryable) => Promise<T>,
    { changed, replacing = false }: WriteOptions<T>,
  ): Promise<T> => {
    const settings = writeSettingsSql({
      replacing,
      announced: announce !== undefined,
      ...(triggerDepth ? { depth: triggerDepth } : {}),
    })
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await store.transaction(async (tx) => {
          await lockCollection(tx, { db, coll, lock }, settings)
          return run(tx)
        })
        if (announce && changed(result)) announce()
        return result
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue
        if (error instanceof UpsertConflict) {
          throw mongoError(`the upsert kept colliding with concurrent inserts in ${namespace}`)
        }
        throw error
      }
    }
  }

  const answer = (doc: Document | null, projection: unknown): Document | null =>
    doc ? (project([doc], projection)[0] ?? null) : null

  const returnsNew = (opts: FindOneAndModifyOptions): boolean =>
    opts.returnNewDocument === true || opts.returnDocument === 'after'

  /** The insert an upsert ends with when nothing matched. */
  const upsertInsert = async (tx: Queryable, doc: Document): Promise<Modification> => {
    await insertRow(tx, doc, true)
    return {
      result: { matchedCount: 0, modifiedCount: 0, upsertedId: doc._id },
      before: null,
      after: await access.read(doc),
    }
  }

  /**
   * updateOne / updateMany / findOneAndUpdate share this. An update without operators replaces
   * each document it matches, as App Services did (isReplacementUpdate.ts).
   */
  const runUpdate = async (
    filterArg: unknown,
    update: unknown,
    opts: UpdateOptions & { sort?: unknown; many?: boolean },
  ): Promise<Modification> => {
    if (isReplacementUpdate(update)) return runReplace(filterArg, update, opts)
    const many = opts.many === true
    const filter = checkFilter(filterArg)
    const sort = checkSort(opts.sort)
    const arrayFilters = opts.arrayFilters
    if (
      arrayFilters !== undefined &&
      !(Array.isArray(arrayFilters) && arrayFilters.every(isPlainObject))
    ) {
      throw mongoError('arrayFilters must be an array of filter documents')
    }
    // Refuse a malformed update even when nothing matches, as MongoDB does.
    applyUpdate({}, update, { isInsert: true, now: now(), arrayFilters })
    return write(
      lockFor(filter),
      async (tx) => {
        const targets = await loadTargets(tx, filter, { sort, many })
        let modifiedCount = 0
        let first: { before: Document; after: Document } | undefined
        for (const row of targets) {
          const after = fromStored(row.stored)
          const changed = applyUpdate(after, update, {
            isInsert: false,
            now: now(),
            arrayFilters,
            filter,
          })
          first ??= { before: row.doc, after }
          if (!changed) continue
          await updateRow(tx, row, after)
          modifiedCount += 1
        }
        if (targets.length > 0 || !opts.upsert) {
          return {
            result: { matchedCount: targets.length, modifiedCount },
            before: first?.before ?? null,
            // What the caller may see of the document after the change.
            after: first ? await access.read(first.after) : null,
          }
        }
        const seeded = upsertSeed(filter)
        applyUpdate(seeded, update, { isInsert: true, now: now(), arrayFilters })
        return upsertInsert(tx, withId(seeded))
      },
      { changed: modified },
    )
  }

  /**
   * replaceOne / findOneAndReplace share this, and the updates without operators: those may
   * replace `many` documents (updateMany), each keeping its `_id`.
   */
  const runReplace = async (
    filterArg: unknown,
    replacementArg: unknown,
    opts: { upsert?: boolean; sort?: unknown; many?: boolean },
  ): Promise<Modification> => {
    const filter = checkFilter(filterArg)
    const replacement = checkReplacement(replacementArg)
    const sort = checkSort(opts.sort)
    return write(
      lockFor(filter),
      async (tx) => {
        const targets = await loadTargets(tx, filter, { sort, many: opts.many === true })
        let modifiedCount = 0
        let first: { before: Document; after: Document } | undefined
        for (const row of targets) {
          if (replacement._id !== undefined && !sameValue(replacement._id, row.full._id)) {
            throw mongoError(
              `the _id field cannot be changed (replacing the document in ${namespace})`,
            )
          }
          const after = withId({ ...replacement, _id: row.full._id })
          first ??= { before: row.doc, after }
          if (toStored(after) === toStored(row.full)) continue
          await updateRow(tx, row, after)
          modifiedCount += 1
        }
        if (targets.length > 0 || !opts.upsert) {
          return {
            result: { matchedCount: targets.length, modifiedCount },
            before: first?.before ?? null,
            // What the caller may see of the document after the change.
            after: first ? await access.read(first.after) : null,
          }
        }
        // A replacement upsert inserts the replacement alone, with the filter's _id if it names one.
        const seededId = upsertSeed(filter)._id
        const doc = withId(
          replacement._id === undefined && seededId !== undefined
            ? { _id: seededId, ...replacement }
            : replacement,
        )
        return upsertInsert(tx, doc)
      },
      { changed: modified, replacing: true },
    )
  }

  const runDelete = async (
    filterArg: unknown,
    many: boolean,
    sortArg?: unknown,
  ): Promise<Document[]> => {
    const filter = checkFilter(filterArg)
    const sort = checkSort(sortArg)
    return write(
      lockFor(filter),
      async (tx) => {
        const targets = await loadTargets(tx, filter, { sort, many })
        for (const row of targets) await deleteRow(tx, row)
        return targets.map((row) => row.doc)
      },
      { changed: (deleted) => deleted.length > 0 },
    )
  }

  const collection: Collection = {
    async find(filterArg, opts = {}) {
      const filter = checkFilter(filterArg)
      const sort = checkSort(opts.sort)
      const skip = checkCount(opts.skip, 'skip')
      const limit = checkCount(opts.limit, 'limit')
      // Without a sort, a limited page is the first skip + limit matches.
      const wanted = sort || limit === 0 ? undefined : skip + limit
      let rows: Viewed[] = await load(store, filter, { wanted })
      if (sort) rows = sortViewed(rows, sort)
      const page = rows.slice(skip, limit > 0 ? skip + limit : undefined)
      return project(
        page.map((row) => row.doc),
        opts.projection,
      )
    },

    async findOne(filter, opts = {}) {
      const [first] = await collection.find(filter, { ...opts, limit: 1 })
      return first ?? null
    },

    async count(filterArg, opts = {}) {
      const filter = checkFilter(filterArg)
      const skip = checkCount(opts.skip, 'skip')
      const limit = checkCount(opts.limit, 'limit')
      const wanted = limit > 0 ? skip + limit : undefined
      const total = Math.max(0, (await load(store, filter, { wanted })).length - skip)
      return limit > 0 ? Math.min(total, limit) : total
    },

    countDocuments: (filter, opts) => collection.count(filter, opts),

    async distinct(field, filterArg) {
      if (typeof field !== 'string' || field === '') {
        throw mongoError('distinct needs a field name')
      }
      const rows = await load(store, checkFilter(filterArg))
      const seen = new Map<string, unknown>()
      for (const row of rows) {
        const value: unknown = resolve(row.doc, field)
        // MongoDB counts each element of an array field as its own value.
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item !== undefined) seen.set(idKey(item), item)
        }
      }
      return [...seen.values()]
    },

    async aggregate(pipeline) {
      if (!Array.isArray(pipeline))
        throw mongoError('aggregate needs a pipeline: an array of stages')
      // A leading $match narrows what is read, as MongoDB's planner would use it.
      const [first] = pipeline
      const leadingMatch =
        isPlainObject(first) && Object.keys(first).length === 1 && isPlainObject(first.$match)
          ? first.$match
          : {}
      const rows = await load(store, leadingMatch)
      return aggregateViews(
        rows.map((row) => row.view),
        pipeline,
      )
    },

    async insertOne(document) {
      if (!isPlainObject(document)) throw mongoError('insertOne needs a document (an object)')
      const doc = withId(document)
      return write(
        { kind: 'shared' },
        async (tx) => {
          await insertRow(tx, doc, false)
          return { insertedId: doc._id }
        },
        { changed: () => true },
      )
    },

    async insertMany(documents) {
      if (!Array.isArray(documents) || documents.length === 0) {
        throw mongoError('insertMany needs a non-empty array of documents')
      }
      if (!documents.every(isPlainObject)) throw mongoError('insertMany needs documents (objects)')
      const docs = documents.map(withId)
      return write(
        { kind: 'shared' },
        async (tx) => {
          for (const doc of docs) await insertRow(tx, doc, false)
          return { insertedIds: docs.map((doc) => doc._id) }
        },
        { changed: () => true },
      )
    },

    async updateOne(filter, update, opts = {}) {
      return (await runUpdate(filter, update, { ...opts, many: false })).result
    },

    async updateMany(filter, update, opts = {}) {
      return (await runUpdate(filter, update, { ...opts, many: true })).result
    },

    async replaceOne(filter, replacement, opts = {}) {
      return (await runReplace(filter, replacement, opts)).result
    },

    async deleteOne(filter) {
      return { deletedCount: (await runDelete(filter, false)).length }
    },

    async deleteMany(filter) {
      return { deletedCount: (await runDelete(filter, true)).length }
    },

    async findOneAndUpdate(filter, update, opts = {}) {
      const { before, after } = await runUpdate(filter, update, opts)
      return answer(returnsNew(opts) ? after : before, opts.projection)
    },

    async findOneAndReplace(filter, replacement, opts = {}) {
      const { before, after } = await runReplace(filter, replacement, opts)
      return answer(returnsNew(opts) ? after : before, opts.projection)
    },

    async findOneAndDelete(filter, opts = {}) {
      const [deleted] = await runDelete(filter, false, opts.sort)
      return answer(deleted ?? null, opts.projection)
    },
  }
  return collection
}
