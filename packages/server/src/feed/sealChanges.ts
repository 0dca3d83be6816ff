import type { Store } from '../store/Store'

// The first half of the sealer's two-part advisory-lock key ('CFSL'); the second half is the
// schema's hash, so apps sharing a database in schemas of their own never wait on each other.
// Collection locks use other first halves (collection/collectionLocks.ts).
const SEAL_LOCK = 0x4346534c

/**
 * Seals the next batch of the feed: the events of every transaction that committed since the
 * last batch's snapshot. A batch is one snapshot of the database (its `xmax` and in-progress
 * list), taken under a lock after the previous batch committed, so each batch sees all that the
 * one before saw, and an event belongs to the first batch whose snapshot sees its transaction
 * committed. Events are numbered at insert time (`seq`) but a transaction can commit after a
 * later-numbered one; reading by batch, then by `seq` within it, never passes an event that has
 * yet to commit. Answers the new batch's number, or null when nothing new had committed.
 *
 * Writes that depend on each other keep their order: the later one could only write after the
 * earlier committed, so it lands in the same batch with a higher `seq`, or in a later batch.
 */
export const sealChanges = async (store: Store): Promise<bigint | null> =>
  store.transaction(async (tx) => {
    // The lock first, then a new statement: its snapshot sees the previous sealer's batch.
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [SEAL_LOCK])
    const [row] = await tx.query<{ batch: string }>(
      `INSERT INTO change_batches (batch, upto, running)
         SELECT last.batch + 1, pg_snapshot_xmax(now_.s), ARRAY(SELECT pg_snapshot_xip(now_.s))
           FROM (SELECT pg_current_snapshot() AS s) AS now_,
                (SELECT batch, upto, running FROM change_batches ORDER BY batch DESC LIMIT 1) AS last
          WHERE EXISTS (
            SELECT 1 FROM change_events e
             WHERE (e.txid >= last.upto OR e.txid = ANY (last.running))
               AND pg_visible_in_snapshot(e.txid, now_.s))
       RETURNING batch::text AS batch`,
    )
    return row ? BigInt(row.batch) : null
  })
