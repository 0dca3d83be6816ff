import type { WriteEvent } from '../functions/FunctionRunner'
import { Query, update as applyUpdate } from 'mingo'
import type { Store } from '../store/Store'
import { fromStored, idKey, toStored, withId, type Document } from './documentCodec'

/** The result shape of MongoDB's `updateOne`. */
export interface UpdateResult {
  matchedCount: number
  modifiedCount: number
  upsertedId?: unknown
}

export interface UpdateOptions {
  upsert?: boolean
}

/** A MongoDB-style collection over the store's `documents` table. */
export interface Collection {
  findOne(filter?: Document): Promise<Document | null>
  updateOne(filter: Document, update: Document, options?: UpdateOptions): Promise<UpdateResult>
}

/** Called after a write commits, with the collection and the ids of the documents it touched. */
export type WriteListener = (event: WriteEvent) => void

const isOperatorKey = (key: string): boolean => key.startsWith('$')

/** The fields an upsert copies from its filter: top-level equalities, as MongoDB does. */
const equalityFields = (filter: Document): Document => {
  const seed: Document = {}
  for (const [key, value] of Object.entries(filter)) {
    if (isOperatorKey(key) || key.includes('.')) continue
    const isOperatorObject =
      value !== null &&
      typeof value === 'object' &&
      Object.keys(value).some((k) => isOperatorKey(k))
    if (!isOperatorObject) seed[key] = value
  }
  return seed
}

// Serialises writers on one collection; simple and always correct. Finer locking can come later.
const lockKey = (db: string, coll: string): string => JSON.stringify([db, coll])

/**
 * A collection `coll` of database `db`. Filters and update operators are MongoDB's, evaluated by
 * mingo; each write runs in one transaction holding a per-collection advisory lock.
 */
export interface CollectionOptions {
  readonly store: Store
  readonly db: string
  readonly coll: string
  /** Told after each write that changed something. */
  readonly onWrite?: WriteListener
}

export const createCollection = ({ store, db, coll, onWrite }: CollectionOptions): Collection => {
  const loadMatching = async (
    tx: Pick<Store, 'query'>,
    filter: Document,
    forUpdate: boolean,
  ): Promise<{ id: string; doc: Document }[]> => {
    const rows = await tx.query<{ id: string; doc: unknown }>(
      `SELECT id, doc FROM documents WHERE db = $1 AND coll = $2 ORDER BY seq${forUpdate ? ' FOR UPDATE' : ''}`,
      [db, coll],
    )
    const query = new Query(filter)
    return rows
      .map((row) => ({ id: row.id, doc: fromStored(row.doc) }))
      .filter((row) => query.test(row.doc))
  }

  return {
    async findOne(filter = {}) {
      const [first] = await loadMatching(store, filter, false)
      return first?.doc ?? null
    },

    async updateOne(filter, update, options = {}) {
      const result = await store.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(db, coll)])
        const [match] = await loadMatching(tx, filter, true)
        if (match) {
          const changed = applyUpdate(match.doc, update)
          if (changed.length > 0) {
            await tx.query(
              'UPDATE documents SET doc = $4::jsonb WHERE db = $1 AND coll = $2 AND id = $3',
              [db, coll, match.id, toStored(match.doc)],
            )
          }
          return {
            matchedCount: 1,
            modifiedCount: changed.length > 0 ? 1 : 0,
            touched: match.doc._id,
          }
        }
        if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, touched: undefined }
        const doc = withId(equalityFields(filter))
        applyUpdate(doc, update)
        await tx.query('INSERT INTO documents (db, coll, id, doc) VALUES ($1, $2, $3, $4::jsonb)', [
          db,
          coll,
          idKey(doc._id),
          toStored(doc),
        ])
        return { matchedCount: 0, modifiedCount: 0, upsertedId: doc._id, touched: doc._id }
      })
      const { touched, ...answer } = result
      if (touched !== undefined && (answer.modifiedCount > 0 || answer.upsertedId !== undefined)) {
        onWrite?.({ db, coll, ids: [touched] })
      }
      return answer
    },
  }
}
