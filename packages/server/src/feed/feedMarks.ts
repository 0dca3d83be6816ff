import type { Queryable } from '../store/Store'

/**
 * A moment in the database's history (a snapshot's `xmax` and in-progress list): what committed
 * before it is "before the mark", what commits later is after. Cheap: one read, nothing written.
 */
export interface FeedMark {
  readonly upto: string
  readonly running: readonly string[]
}

/** Where one document is found: its collection and the value of one of its fields. */
export interface DocumentTarget {
  readonly db: string
  readonly coll: string
  /** The field's dotted path (the custom-data `user_id_field`). */
  readonly field: string
  /** The value it holds, as a string (the user's id). */
  readonly value: string
}

/** Marks the present moment of the feed. */
export const markFeed = async (db: Queryable): Promise<FeedMark> => {
  const [row] = await db.query<{ upto: string; running: string[] | null }>(
    `SELECT pg_snapshot_xmax(s)::text AS upto, ARRAY(SELECT pg_snapshot_xip(s)::text) AS running
       FROM (SELECT pg_current_snapshot() AS s) AS now_`,
  )
  if (!row) throw new Error('pg_current_snapshot() answered no row')
  return { upto: row.upto, running: row.running ?? [] }
}

/**
 * Whether a document whose `field` holds `value` (before or after the change) was inserted,
 * changed or deleted by a transaction that committed after the mark: what a function call
 * wrote, noted by a mark taken before it. Reads only the events of the transactions after the
 * mark (the txid index), however long the feed.
 */
export const documentChangedSince = async (
  db: Queryable,
  mark: FeedMark,
  target: DocumentTarget,
): Promise<boolean> => {
  const [row] = await db.query<{ changed: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM change_events
        WHERE (txid >= $1::xid8 OR txid = ANY ($2::xid8[]))
          AND db = $3 AND coll = $4
          AND ((after_text::jsonb #>> $5::text[]) = $6 OR (before_text::jsonb #>> $5::text[]) = $6)
     ) AS changed`,
    [mark.upto, [...mark.running], target.db, target.coll, target.field.split('.'), target.value],
  )
  return row?.changed === true
}
