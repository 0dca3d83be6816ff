import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queryable, Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import { createCollection } from './createCollection'
import { ownDocumentAccess } from './ownDocumentAccess'
import { ensureUserIdIndex } from './userIdIndex'

const DB = 'plan-db'
const COLL = 'custom-user-data'
const USERS = 5000

interface Sent {
  readonly sql: string
  readonly params: readonly unknown[]
}

/** A store that records the statements sent in its transactions (the collection's writes). */
const recording = (store: Store, sent: Sent[]): Store => {
  const record = (q: Queryable): Queryable => ({
    ...q,
    query: (sql, params = []) => {
      sent.push({ sql, params })
      return q.query(sql, params)
    },
  })
  return {
    ...store,
    ...record(store),
    transaction: (fn) => store.transaction((tx) => fn(record(tx))),
  }
}

const planOf = async (store: Store, { sql, params }: Sent): Promise<string> => {
  const rows = await store.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params)
  return JSON.stringify(rows[0]?.['QUERY PLAN'])
}

// issue 19: the write path's lookup of the caller's own custom-data document (the seed's
// writeCustomUserData: `updateOne({ userId }, ..., { upsert: true })` under the owner rule) ORed
// the user-id equality with a `doc @> ...` containment, which went through the GIN index and
// its pending list (3-7 ms at 100k users on PostgreSQL, 13 ms on PGlite, against 0.05 / 0.16 ms).
describe.each(testStores())(
  'the owner rule narrows through the user-id index on $kind',
  (storeKind) => {
    let store: Store
    const sent: Sent[] = []
    beforeAll(async () => {
      store = await storeKind.open()
      await ensureUserIdIndex(store, 'userId')
      await store.query(
        `INSERT INTO documents (db, coll, id, doc)
         SELECT $1, $2, to_jsonb('u-' || g)::text,
                jsonb_build_object('_id', 'u-' || g, 'userId', 'u-' || g, 'n', g)
           FROM generate_series(1, $3::int) g`,
        [DB, COLL, USERS],
      )
      await store.query('ANALYZE documents')
    }, 60_000)
    afterAll(() => store.close())

    const ownCollection = (userId: string | undefined) =>
      createCollection({
        store: recording(store, sent),
        db: DB,
        coll: COLL,
        userIdField: 'userId',
        access: ownDocumentAccess({
          field: 'userId',
          userId,
          caller: 'function',
          namespace: `${DB}.${COLL}`,
        }),
      })

    it('updateOne({ userId: <own id> }, ..., { upsert: true }) selects the document through the user-id index alone: no containment, no GIN index', async () => {
      sent.length = 0
      const result = await ownCollection('u-77').updateOne(
        { userId: 'u-77' },
        { $set: { favoriteFood: 'pizza' } },
        { upsert: true },
      )
      expect(result.matchedCount).toBe(1)
      const lookup = sent.find((statement) => /FROM documents WHERE/.test(statement.sql))
      expect(lookup?.sql).toBeDefined()
      expect(lookup?.sql).not.toMatch(/@>|\bOR\b/)
      const plan = await planOf(store, lookup as Sent)
      expect(plan).toMatch(/documents_user_id_/)
      expect(plan).not.toMatch(/documents_doc_path_ops|Seq Scan/)
    })

    it('reads (find) of the own document narrow the same way, and find nothing of other users', async () => {
      sent.length = 0
      const own = ownCollection('u-78')
      expect(await own.find({ userId: 'u-78' })).toHaveLength(1)
      expect(await own.find({ userId: 'u-79' })).toEqual([])
      expect(await own.find({})).toHaveLength(1)
      for (const statement of sent) {
        expect(statement.sql).not.toMatch(/@>/)
        expect(await planOf(store, statement)).toMatch(/documents_user_id_/)
      }
    })

    it('a caller with no user matches nothing, without reading the collection', async () => {
      sent.length = 0
      expect(await ownCollection(undefined).find({})).toEqual([])
      expect(sent[0]?.sql).toMatch(/\bfalse\b/)
    })

    it("a document whose userId holds the id inside an array is not the owner's (the rule is exact), as before", async () => {
      await store.query(
        `INSERT INTO documents (db, coll, id, doc) VALUES ($1, $2, '"arr"', '{"_id": "arr", "userId": ["u-80"]}')`,
        [DB, COLL],
      )
      const own = ownCollection('u-80')
      expect((await own.find({ userId: 'u-80' })).map((doc) => doc._id)).toEqual(['u-80'])
    })
  },
)
