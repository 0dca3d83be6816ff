import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openStore } from '../src/store/openStore'
import type { Store } from '../src/store/Store'

/**
 * A fresh, migrated store of the kind under test for in-process figures: PGlite in memory, or a
 * schema of its own on DATABASE_URL, dropped by `dispose`.
 */
export const scratchStore = async (
  kind: 'pglite' | 'postgres',
): Promise<{ store: Store; dispose: () => Promise<void> }> => {
  if (kind === 'pglite') {
    const store = await openStore({ dataDir: ':memory:' })
    return { store, dispose: () => store.close() }
  }
  const databaseUrl = process.env.DATABASE_URL as string
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const store = await openStore({ databaseUrl, schema })
  return {
    store,
    async dispose() {
      await store.close()
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await client.end()
    },
  }
}
