import type { Queryable } from '../store/Store'
import { cursorNameOf } from './registerTriggers'

/** One trigger as operators see it (`custom-data-server triggers list`, `/health/ready`). */
export interface TriggerState {
  readonly name: string
  readonly type: string
  readonly enabled: boolean
  /** Events queued and not yet delivered (failed ones included). */
  readonly pending: number
  /** Events parked as failed. */
  readonly failed: number
  /** Age of the oldest undelivered event, in seconds; 0 when none. */
  readonly lagSeconds: number
  /** The last error of its oldest event that failed at least once, if any. */
  readonly lastError: string | null
  /** Database triggers: when its feed cursor last moved. */
  readonly cursorUpdatedAt: Date | null
}

/** A parked event (`custom-data-server triggers failed`). */
export interface FailedEvent {
  readonly id: string
  readonly trigger: string
  readonly attempts: number
  readonly error: string | null
  readonly createdAt: Date
  readonly payload: string
}

export const listTriggerStates = async (db: Queryable): Promise<TriggerState[]> => {
  const rows = await db.query<{
    name: string
    type: string
    enabled: boolean
    pending: string
    failed: string
    lag: number | string | null
    last_error: string | null
    cursor_at: Date | string | null
  }>(
    `SELECT r.name, r.type, r.enabled,
            (SELECT count(*) FROM trigger_events e WHERE e.trigger = r.name)::text AS pending,
            (SELECT count(*) FROM trigger_events e WHERE e.trigger = r.name AND e.state = 'failed')::text AS failed,
            (SELECT extract(epoch FROM now() - min(e.created_at))::float8 FROM trigger_events e
              WHERE e.trigger = r.name) AS lag,
            (SELECT e.last_error FROM trigger_events e
              WHERE e.trigger = r.name AND e.last_error IS NOT NULL ORDER BY e.id LIMIT 1) AS last_error,
            (SELECT c.updated_at FROM change_cursors c WHERE c.name = $1 || r.name) AS cursor_at
       FROM trigger_registry r ORDER BY r.name`,
    [cursorNameOf('')],
  )
  return rows.map((row) => ({
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    pending: Number(row.pending),
    failed: Number(row.failed),
    lagSeconds: Math.max(0, Number(row.lag ?? 0)),
    lastError: row.last_error,
    cursorUpdatedAt: row.cursor_at === null ? null : new Date(row.cursor_at),
  }))
}

export const listFailedEvents = async (db: Queryable): Promise<FailedEvent[]> =>
  (
    await db.query<{
      id: string
      trigger: string
      attempts: number
      last_error: string | null
      created_at: Date | string
      payload: string
    }>(
      `SELECT id::text AS id, trigger, attempts, last_error, created_at, payload
         FROM trigger_events WHERE state = 'failed' ORDER BY id`,
    )
  ).map((row) => ({
    id: row.id,
    trigger: row.trigger,
    attempts: row.attempts,
    error: row.last_error,
    createdAt: new Date(row.created_at),
    payload: row.payload,
  }))

const EVENT_ID = /^[1-9][0-9]{0,18}$/

/** A parked event back in the queue, with its attempts counted from zero. False: no such event. */
export const retryFailedEvent = async (db: Queryable, id: string): Promise<boolean> => {
  if (!EVENT_ID.test(id)) return false
  const rows = await db.query(
    `UPDATE trigger_events SET state = 'pending', attempts = 0, next_at = now()
      WHERE id = $1::bigint AND state = 'failed' RETURNING id`,
    [id],
  )
  return rows.length > 0
}

/** A parked event dropped without running: an ordered trigger goes on. False: no such event. */
export const skipFailedEvent = async (db: Queryable, id: string): Promise<boolean> => {
  if (!EVENT_ID.test(id)) return false
  const rows = await db.query(
    `DELETE FROM trigger_events WHERE id = $1::bigint AND state = 'failed' RETURNING id`,
    [id],
  )
  return rows.length > 0
}
