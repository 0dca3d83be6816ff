import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'
import { createPostgresStore } from './createPostgresStore'
import { migrate } from './migrate'
import type { Store } from './Store'

/** The store, recording the text of every statement sent through it (transactions included). */
const recording = (store: Store): Store & { readonly sent: string[] } => {
  const sent: string[] = []
  return {
    ...store,
    sent,
    query: (sql, params) => {
      sent.push(sql)
      return store.query(sql, params)
    },
    transaction: (fn) =>
      store.transaction((tx) =>
        fn({
          ...tx,
          query: (sql, params) => {
            sent.push(sql)
            return tx.query(sql, params)
          },
        }),
      ),
  }
}

// On PostgreSQL, a pool of one connection, so that the statements it prepared are those that
// `pg_prepared_statements` lists to the next query (they are per connection).
const openStore = async (kind: 'pglite' | 'postgres', open: () => Promise<Store>) => {
  if (kind === 'pglite') return open()
  const databaseUrl = process.env.DATABASE_URL as string
  const schema = `t_${randomBytes(6).toString('hex')}`
  const store = await createPostgresStore({ databaseUrl, schema, poolSize: 1 })
  await migrate(store)
  return {
    ...store,
    async close() {
      await store.close()
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end())
    },
  }
}

describe.each(testStores())('the statements of a refresh on $kind', (storeKind) => {
  let store: Store
  let sent: string[]
  let s: InProcessServer
  beforeAll(async () => {
    store = await openStore(storeKind.kind, () => storeKind.open())
    const recorded = recording(store)
    sent = recorded.sent
    s = await createInProcessServer(storeKind, { shareStore: recorded })
  })
  afterAll(async () => {
    await s.close()
    await store.close()
  })

  it('a refresh of a session that does not rotate (realm-web) sends one statement, prepared by name on PostgreSQL', async () => {
    const login = await s.logInAnonymously()
    const refresh = () => s.request('POST', '/auth/session', { token: login.refresh_token })
    expect((await refresh()).status).toBe(201)
    sent.length = 0
    expect((await refresh()).status).toBe(201)
    expect(sent).toHaveLength(1)
    if (storeKind.kind !== 'postgres') return
    const prepared = await store.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements',
    )
    expect(prepared.map((row) => row.statement)).toContain(sent[0])
  })

  it("a prepared SELECT * whose table another server's migration changed runs again, with the new columns", async () => {
    await store.exec('CREATE TABLE widened (a int)')
    await store.query('INSERT INTO widened VALUES ($1)', [1])
    expect(await store.query('SELECT * FROM widened')).toEqual([{ a: 1 }])
    // Another process (a newer server's migration), on a connection of its own.
    await store.transaction((tx) => tx.exec('ALTER TABLE widened ADD COLUMN b int DEFAULT 2'))
    expect(await store.query('SELECT * FROM widened')).toEqual([{ a: 1, b: 2 }])
  })

  it('a statement that fails leaves the next one with the same text working (PostgreSQL keeps the name)', async () => {
    await expect(store.query('SELECT 1 / $1::int AS n', [0])).rejects.toThrow(/division by zero/)
    await expect(store.query('SELECT 1 / $1::int AS n', [1])).resolves.toEqual([{ n: 1 }])
  })
})
