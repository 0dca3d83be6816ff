import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import type { Store } from './Store'

const SESSIONS = 20_000

// issue 19: the hourly cleanup (auth/cleanupExpired.ts) read the whole sessions table (31 ms at
// 100k sessions); migration 170 gives it indexes. Migration 171 takes the pending list off the
// documents' GIN index, which PGlite never vacuums.
describe.each(testStores())('the indexes of migrations 170 and 171 on $kind', (storeKind) => {
  let store: Store
  beforeAll(async () => {
    store = await storeKind.open()
    await store.query(
      `INSERT INTO users (id, created_at) SELECT 'u' || g, now() FROM generate_series(1, $1::int) g`,
      [SESSIONS],
    )
    await store.query(
      `INSERT INTO sessions (id, user_id, device_id, created_at, expires_at)
         SELECT 's' || g, 'u' || g, 'd', now(), now() + interval '30 days'
           FROM generate_series(1, $1::int) g`,
      [SESSIONS],
    )
    await store.query('ANALYZE sessions')
  }, 60_000)
  afterAll(() => store.close())

  it("the cleanup's delete of ended sessions reads them through indexes, not the whole table", async () => {
    const rows = await store.query<{ 'QUERY PLAN': string }>(
      // The statement of cleanupExpired, as it sends it.
      `EXPLAIN DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1 RETURNING id`,
      [new Date(Date.now() - 7 * 24 * 3600 * 1000)],
    )
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n')
    expect(plan).toMatch(/sessions_expires_at/)
    expect(plan).toMatch(/sessions_revoked_at/)
    expect(plan).not.toMatch(/Seq Scan/)
  })

  it('the GIN index on documents has no pending list (fastupdate off)', async () => {
    const [row] = await store.query<{ reloptions: string[] | null }>(
      `SELECT reloptions FROM pg_class WHERE relname = 'documents_doc_path_ops'
         AND relnamespace = current_schema()::regnamespace`,
    )
    expect(row?.reloptions).toContain('fastupdate=off')
  })
})
