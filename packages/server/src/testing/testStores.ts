import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openStore } from '../store/openStore'
import type { Store } from '../store/Store'

/** A kind of store a suite runs against, and how to open a fresh, empty one. */
export interface TestStoreKind {
  readonly kind: 'pglite' | 'postgres'
  /** Opens an empty, migrated store; closing it also drops what it created. */
  open(): Promise<Store>
}

let noticeShown = false

/** A fresh PGlite store in memory. */
export const pgliteTestStore: TestStoreKind = {
  kind: 'pglite',
  open: () => openStore({ dataDir: ':memory:' }),
}

/**
 * A fresh PostgreSQL store in its own schema of `DATABASE_URL`, dropped on close, so that test
 * files can run in parallel against one database.
 */
export const postgresTestStore = (databaseUrl: string): TestStoreKind => ({
  kind: 'postgres',
  async open() {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const store = await openStore({ databaseUrl, schema })
    return {
      ...store,
      async close() {
        await store.close()
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        } finally {
          await client.end()
        }
      },
    }
  },
})

/**
 * The stores a suite must pass on: PGlite always, PostgreSQL when `DATABASE_URL` is set. Without
 * it the PostgreSQL runs are skipped with a one-line notice; CI sets it, so there they run (and a
 * database that cannot be reached fails them rather than skipping them).
 */
export const testStores = (): TestStoreKind[] => {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    if (!noticeShown) {
      noticeShown = true
      console.warn(
        'notice: DATABASE_URL is not set; PostgreSQL test runs are skipped (PGlite runs only).',
      )
    }
    return [pgliteTestStore]
  }
  return [pgliteTestStore, postgresTestStore(databaseUrl)]
}
