import type { Store } from '../store/Store'

/**
 * Queues one run of a scheduled trigger for the tick at `tick`, unless a process did already:
 * the tick row moves forward and the event is queued in one transaction, so a tick runs once
 * however many processes reach it. Answers whether this call queued it.
 */
export const scheduleTick = async (store: Store, name: string, tick: Date): Promise<boolean> =>
  store.transaction(async (tx) => {
    const won = await tx.query(
      `INSERT INTO trigger_ticks (name, last_tick) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick
        WHERE trigger_ticks.last_tick < excluded.last_tick
       RETURNING name`,
      [name, tick],
    )
    if (won.length === 0) return false
    await tx.query(`INSERT INTO trigger_events (trigger, payload) VALUES ($1, 'null')`, [name])
    return true
  })

/** The last tick a process queued for a scheduled trigger; null before the first. */
export const lastTick = async (store: Store, name: string): Promise<Date | null> => {
  const [row] = await store.query<{ last_tick: Date | string }>(
    'SELECT last_tick FROM trigger_ticks WHERE name = $1',
    [name],
  )
  return row ? new Date(row.last_tick) : null
}
