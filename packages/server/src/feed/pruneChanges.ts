import type { Queryable } from '../store/Store'

/** What a prune removed. */
export interface PruneResult {
  /** Events deleted. */
  readonly events: number
  /** The batch through which the feed was pruned; null when nothing was old enough. */
  readonly through: bigint | null
}

const CHUNK_ROWS = 5000

/**
 * Deletes the events every registered cursor has passed and whose batch was sealed more than
 * `retentionSeconds` ago (by the database's clock). Whole batches go: first the batch rows, so
 * that a reader still behind gets `historyLost()` rather than a feed with holes, then their
 * events, a chunk at a time so no statement holds many rows. Idempotent: processes that prune
 * at once only repeat each other's work.
 */
export const pruneChanges = async (
  db: Queryable,
  retentionSeconds: number,
): Promise<PruneResult> => {
  const [row] = await db.query<{ through: string | null }>(
    `SELECT max(batch)::text AS through FROM change_batches
      WHERE sealed_at <= now() - make_interval(secs => $1)
        AND batch < coalesce((SELECT min(batch) FROM change_cursors), batch + 1)
        AND batch > (SELECT min(batch) FROM change_batches)`,
    [retentionSeconds],
  )
  if (!row?.through) return { events: 0, through: null }
  const through = row.through
  // The batch itself stays: it is the predecessor the next batch is read against.
  await db.query('DELETE FROM change_batches WHERE batch < $1::bigint', [through])
  let events = 0
  for (;;) {
    const deleted = await db.query<{ seq: string }>(
      `DELETE FROM change_events WHERE seq IN (
         SELECT ev.seq FROM change_events ev, change_batches h
          WHERE h.batch = $1::bigint AND ev.txid < h.upto AND NOT ev.txid = ANY (h.running)
          LIMIT ${CHUNK_ROWS})
       RETURNING seq::text AS seq`,
      [through],
    )
    events += deleted.length
    if (deleted.length < CHUNK_ROWS) return { events, through: BigInt(through) }
  }
}
