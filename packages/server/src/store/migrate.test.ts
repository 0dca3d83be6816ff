import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import { migrate } from './migrate'
import type { Store } from './Store'

describe.each(testStores())('migrations on $kind', (storeKind) => {
  let store: Store
  beforeAll(async () => {
    store = await storeKind.open()
  })
  afterAll(() => store.close())

  it('are applied once and recorded', async () => {
    const versions = await store.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    )
    expect(versions.map((row) => Number(row.version))).toContain(1)
    expect(await migrate(store)).toEqual([])
  })

  it('run a failing migration not at all', async () => {
    const broken = {
      version: 999,
      name: 'broken',
      sql: 'CREATE TABLE half_done (id int); SELECT no_such_column FROM half_done;',
    }
    await expect(migrate(store, [broken])).rejects.toThrow()
    const tables = await store.query(
      "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'",
    )
    expect(tables).toEqual([])
  })

  it('roll back a failing transaction', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO users (id, created_at) VALUES ('rolled-back', now())")
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await store.query("SELECT id FROM users WHERE id = 'rolled-back'")).toEqual([])
  })
})
