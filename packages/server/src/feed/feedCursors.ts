import type { Queryable } from '../store/Store'
import type { FeedPosition } from './FeedPosition'

/** A durable consumer of the feed (a trigger): the events up to its position are done with. */
export interface FeedCursor {
  readonly name: string
  readonly position: FeedPosition
  readonly updatedAt: Date
}

interface CursorRow {
  readonly name: string
  readonly batch: string
  readonly seq: string
  readonly updated_at: Date | string
}

const cursorOf = (row: CursorRow): FeedCursor => ({
  name: row.name,
  position: { batch: BigInt(row.batch), seq: BigInt(row.seq) },
  updatedAt: new Date(row.updated_at),
})

const COLUMNS = 'name, batch::text AS batch, seq::text AS seq, updated_at'

/**
 * The named consumer's cursor, made at `start` when it has none yet. While a cursor exists,
 * pruning keeps every event after it, however old.
 */
export const registerCursor = async (
  db: Queryable,
  name: string,
  start: FeedPosition,
): Promise<FeedCursor> => {
  // The no-op update returns the row that is already there, in the same statement.
  const [row] = await db.query<CursorRow>(
    `INSERT INTO change_cursors (name, batch, seq) VALUES ($1, $2::bigint, $3::bigint)
     ON CONFLICT (name) DO UPDATE SET name = change_cursors.name
     RETURNING ${COLUMNS}`,
    [name, start.batch.toString(), start.seq.toString()],
  )
  if (!row) throw new Error(`the cursor ${name} could not be registered`)
  return cursorOf(row)
}

export const readCursor = async (db: Queryable, name: string): Promise<FeedCursor | null> => {
  const [row] = await db.query<CursorRow>(`SELECT ${COLUMNS} FROM change_cursors WHERE name = $1`, [
    name,
  ])
  return row ? cursorOf(row) : null
}

export const listCursors = async (db: Queryable): Promise<FeedCursor[]> =>
  (await db.query<CursorRow>(`SELECT ${COLUMNS} FROM change_cursors ORDER BY name`)).map(cursorOf)

/**
 * Moves a cursor forward to `position` (made if missing); a position behind the stored one
 * leaves it where it is, so a slow, late writer never undoes a faster one's progress.
 */
export const saveCursor = async (
  db: Queryable,
  name: string,
  position: FeedPosition,
): Promise<void> => {
  await db.query(
    `INSERT INTO change_cursors (name, batch, seq) VALUES ($1, $2::bigint, $3::bigint)
     ON CONFLICT (name) DO UPDATE SET batch = excluded.batch, seq = excluded.seq, updated_at = now()
      WHERE (excluded.batch, excluded.seq) > (change_cursors.batch, change_cursors.seq)`,
    [name, position.batch.toString(), position.seq.toString()],
  )
}

/** Forgets a consumer: the events it held back become prunable. */
export const deleteCursor = async (db: Queryable, name: string): Promise<void> => {
  await db.query('DELETE FROM change_cursors WHERE name = $1', [name])
}
