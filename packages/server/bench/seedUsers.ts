import type { Store } from '../src/store/Store'

/**
 * Gives a store `count` users as a long-running app has them, in three statements: each with an
 * open session and a custom-data document in the demo app's collection, so that the scenarios'
 * lookups run against indexes of that size (`--users`).
 */
export const seedUsers = async (
  store: Store,
  count: number,
  where: { db: string; coll: string; userIdField: string },
): Promise<void> => {
  if (count <= 0) return
  await store.query(
    `INSERT INTO users (id, type, created_at, last_login_at)
       SELECT 'seed-' || g, 'normal', now(), now() FROM generate_series(1, $1::int) g`,
    [count],
  )
  await store.query(
    `INSERT INTO sessions (id, user_id, device_id, created_at, last_used_at, expires_at)
       SELECT 'seed-' || g, 'seed-' || g, '000000000000000000000000', now(), now(),
              now() + interval '30 days'
         FROM generate_series(1, $1::int) g`,
    [count],
  )
  await store.query(
    `INSERT INTO refresh_tokens (hash, session_id, created_at)
       SELECT md5('seed-' || g), 'seed-' || g, now() FROM generate_series(1, $1::int) g`,
    [count],
  )
  await store.query(
    `INSERT INTO documents (db, coll, id, doc, doc_text)
       SELECT $2, $3, to_jsonb('seed-' || g)::text, d, d::text
         FROM generate_series(1, $1::int) g,
              LATERAL (SELECT jsonb_build_object('_id', 'seed-' || g, $4::text, 'seed-' || g,
                                                 'favoriteFood', 'pizza') AS d) x`,
    [count, where.db, where.coll, where.userIdField],
  )
}
