import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Queryable } from '../store/Store'
import type { OperationType } from './ChangeEvent'
import { changeEventOf, type ChangeRow, type FeedChange, type ImageOptions } from './changeEventOf'
import { compareFeedPositions, startOfBatch, type FeedPosition } from './FeedPosition'

/** Which events a reader wants; the others are passed over (its position still moves past them). */
export interface ChangeFilter {
  readonly db?: string
  readonly coll?: string
  readonly operationTypes?: readonly OperationType[]
}

export interface ReadChangesOptions extends ImageOptions {
  /** Read the events after this position. */
  readonly after: FeedPosition
  /** At most this many events (default 100, at most 1,000). */
  readonly limit?: number
  readonly filter?: ChangeFilter
}

/** What one read found. */
export interface ChangePage {
  /** The events, in feed order. */
  readonly changes: readonly FeedChange[]
  /** Where the next read starts: past every event returned and every one filtered out. */
  readonly position: FeedPosition
  /** True when nothing sealed lies beyond `position`. */
  readonly caughtUp: boolean
}

export const DEFAULT_READ_LIMIT = 100
export const MAX_READ_LIMIT = 1000
// Batches one query looks at, and queries one read makes before it answers what it has.
const BATCHES_PER_QUERY = 64
const QUERIES_PER_READ = 16

/** The error of a reader whose position the feed has pruned (MongoDB: ChangeStreamHistoryLost). */
export const historyLost = (): ServiceError =>
  new ServiceError(
    ErrorCode.InvalidParameter,
    'the change feed no longer holds the events after this position (they were pruned); start again from the current position',
  ).withDetails({ codeName: 'ChangeStreamHistoryLost' })

export const isHistoryLost = (error: unknown): boolean =>
  error instanceof ServiceError && error.details?.codeName === 'ChangeStreamHistoryLost'

const checkLimit = (limit: number | undefined): number => {
  if (limit === undefined) return DEFAULT_READ_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT) {
    throw new TypeError(`limit must be an integer from 1 to ${MAX_READ_LIMIT}, got ${limit}`)
  }
  return limit
}

interface PageRow extends Partial<ChangeRow> {
  readonly first: string
  readonly last: string
}

/**
 * Reads the sealed events after a position (sealChanges.ts says what a batch is): the rest of
 * the position's batch, then the following batches, each in `seq` order. Answers fewer than
 * `limit` events once it has caught up with the last sealed batch (or has looked at enough
 * batches for one call: read again from `position`). Throws `historyLost()` when the position is
 * older than what pruning kept.
 */
export const readChanges = async (
  db: Queryable,
  options: ReadChangesOptions,
): Promise<ChangePage> => {
  const limit = checkLimit(options.limit)
  const { filter = {} } = options
  const filterParams: unknown[] = []
  const conditions: string[] = []
  const param = (value: unknown): string => `$${filterParams.push(value)}`
  if (filter.db !== undefined) conditions.push(`AND ev.db = ${param(filter.db)}`)
  if (filter.coll !== undefined) conditions.push(`AND ev.coll = ${param(filter.coll)}`)
  if (filter.operationTypes !== undefined) {
    conditions.push(`AND ev.op = ANY (${param([...filter.operationTypes])}::text[])`)
  }
  const batch = `$${filterParams.length + 1}::bigint`
  const seq = `$${filterParams.length + 2}::bigint`
  const wanted = `$${filterParams.length + 3}`
  // One statement, one snapshot: the bounds and the events agree. Each batch's events are those
  // of the transactions its snapshot sees committed and its predecessor's did not: the txids
  // between the two snapshots' xmax (a bounded range of the txid index, however long the feed)
  // and those the predecessor saw running (xids below its xmax, so below this one's too).
  const sql = `
    WITH bounds AS (SELECT min(batch)::text AS first, max(batch)::text AS last FROM change_batches)
    SELECT bounds.first, bounds.last, page.*
      FROM bounds
      LEFT JOIN LATERAL (
        SELECT b.batch::text AS batch, ev.seq::text AS seq, ev.at, ev.db, ev.coll, ev.doc_id,
               ev.op, ev.before_text, ev.after_text, ev.depth
          FROM change_batches b
          JOIN change_batches p ON p.batch = b.batch - 1
          CROSS JOIN LATERAL (
            SELECT ev.* FROM change_events ev
             WHERE ((ev.txid >= p.upto AND ev.txid < b.upto) OR ev.txid = ANY (p.running))
               AND NOT ev.txid = ANY (b.running)
               AND (b.batch > ${batch} OR ev.seq > ${seq})
               ${conditions.join(' ')}
             ORDER BY ev.seq
             LIMIT ${wanted}
          ) ev
         WHERE b.batch >= ${batch} AND b.batch < ${batch} + ${BATCHES_PER_QUERY}
         ORDER BY b.batch, ev.seq
         LIMIT ${wanted}
      ) page ON true
     ORDER BY page.batch::bigint, page.seq::bigint`
  const changes: FeedChange[] = []
  let position = options.after
  for (let query = 0; query < QUERIES_PER_READ; query += 1) {
    const from = position.batch
    const rows = await db.query<PageRow>(sql, [
      ...filterParams,
      from.toString(),
      position.seq.toString(),
      limit - changes.length,
    ])
    const first = BigInt(rows[0]?.first ?? '0')
    const last = BigInt(rows[0]?.last ?? '0')
    if (query === 0 && from <= first) throw historyLost()
    for (const row of rows) {
      if (row.seq === undefined || row.seq === null) continue
      const change = changeEventOf(row as ChangeRow, options)
      changes.push(change)
      position = change.position
    }
    if (changes.length >= limit) return { changes, position, caughtUp: false }
    // Fewer than asked: every batch of the window was read to its end.
    const windowEnd = from + BigInt(BATCHES_PER_QUERY) - 1n
    const end = startOfBatch((windowEnd < last ? windowEnd : last) + 1n)
    if (compareFeedPositions(end, position) > 0) position = end
    if (position.batch > last) return { changes, position, caughtUp: true }
  }
  return { changes, position, caughtUp: false }
}
