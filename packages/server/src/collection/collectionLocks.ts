import type { Queryable } from '../store/Store'

// The first halves of the two-part advisory-lock keys ('CDOC', 'CDOK'): collection locks and
// key locks never meet each other, nor the single-bigint keys other parts of the server use.
const COLLECTION_SPACE = 0x43444f43
const KEY_SPACE = 0x43444f4b

/**
 * Serialises the writes that could otherwise race: held until the transaction ends.
 * - `exclusive`: nothing else writes the collection meanwhile (filters the server cannot pin
 *   down, so an upsert's "nothing matched, insert" stays true until it commits).
 * - `key`: writers of the same key (the custom-data user id) take turns; other keys and inserts
 *   go on in parallel, and exclusive writers wait for all of them.
 * - `shared`: the writer pins its rows itself (an `_id` filter: row locks and the primary key).
 */
export type WriteLock =
  | { readonly kind: 'exclusive' }
  | { readonly kind: 'shared' }
  | { readonly kind: 'key'; readonly key: string }

export const lockCollection = async (
  tx: Queryable,
  target: { readonly db: string; readonly coll: string; readonly lock: WriteLock },
  /** More SQL expressions to evaluate in the same statement (no round trip of their own). */
  also: readonly string[] = [],
): Promise<void> => {
  const { db, coll, lock } = target
  const collection = JSON.stringify([db, coll])
  const select = (locks: string) => ['SELECT ' + locks, ...also].join(', ')
  if (lock.kind === 'exclusive') {
    await tx.query(select('pg_advisory_xact_lock($1, hashtext($2))'), [
      COLLECTION_SPACE,
      collection,
    ])
    return
  }
  if (lock.kind === 'shared') {
    await tx.query(select('pg_advisory_xact_lock_shared($1, hashtext($2))'), [
      COLLECTION_SPACE,
      collection,
    ])
    return
  }
  // One statement, one round trip: the collection (shared) first, then the key.
  await tx.query(
    select(
      'pg_advisory_xact_lock_shared($1, hashtext($2)), pg_advisory_xact_lock($3, hashtext($4))',
    ),
    [COLLECTION_SPACE, collection, KEY_SPACE, JSON.stringify([db, coll, lock.key])],
  )
}
