import type { Queryable, Store } from '../store/Store'

/** One queued event a process has claimed: it runs the trigger's function with it. */
export interface ClaimedEvent {
  readonly id: string
  readonly trigger: string
  /** The function's argument, canonical EJSON text; `null` text for a scheduled tick. */
  readonly payload: string
  /** Deliveries tried so far, this one included. */
  readonly attempts: number
  /** The depth of the write behind the event in a chain of triggers (`FeedChange.depth`). */
  readonly depth: number
}

export interface ClaimOptions {
  /** The triggers this process delivers (enabled ones). */
  readonly triggers: readonly string[]
  /** Of those, the unordered ones: their events may run side by side. */
  readonly unordered: readonly string[]
  /** This process's id, written on what it holds. */
  readonly holder: string
  readonly leaseSeconds: number
  readonly limit: number
}

/**
 * Claims events ready to run: pending, due, not held by a live lease; for an ordered trigger only
 * its oldest event, and only when nothing older of it is waiting, running or parked as failed (so
 * it waits on a failed event, as App Services did). `FOR UPDATE SKIP LOCKED` lets processes claim
 * side by side without waiting or taking the same event; the lease (renewed while the function
 * runs) lapses when its holder dies, and another process takes the event again.
 */
export const claimEvents = async (db: Queryable, options: ClaimOptions): Promise<ClaimedEvent[]> =>
  db.query<ClaimedEvent>(
    `UPDATE trigger_events e
        SET lease_until = now() + make_interval(secs => $4), leased_by = $3,
            attempts = e.attempts + 1
      WHERE e.id IN (
        SELECT c.id FROM trigger_events c
         WHERE c.trigger = ANY ($1::text[]) AND c.state = 'pending' AND c.next_at <= now()
           AND (c.lease_until IS NULL OR c.lease_until < now())
           AND (c.trigger = ANY ($2::text[])
                OR NOT EXISTS (SELECT 1 FROM trigger_events o
                                WHERE o.trigger = c.trigger AND o.id < c.id))
         ORDER BY c.id
         LIMIT $5
         FOR UPDATE SKIP LOCKED)
      RETURNING e.id::text AS id, e.trigger, e.payload, e.attempts, e.depth`,
    [
      [...options.triggers],
      [...options.unordered],
      options.holder,
      options.leaseSeconds,
      options.limit,
    ],
  )

/**
 * Claims the next events of one ordered trigger, up to `limit`, in order: only when its oldest
 * event is ready (pending, due, unleased), then the ready events that follow it without a gap.
 * The caller runs them one at a time, in this order. Another process claiming at once finds the
 * oldest locked (`SKIP LOCKED`) and claims none of them.
 */
export const claimOrderedEvents = async (
  store: Store,
  trigger: string,
  options: Pick<ClaimOptions, 'holder' | 'leaseSeconds' | 'limit'>,
): Promise<ClaimedEvent[]> =>
  store.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; ready: boolean; first: string }>(
      `SELECT c.id::text AS id,
              (c.state = 'pending' AND c.next_at <= now()
               AND (c.lease_until IS NULL OR c.lease_until < now())) AS ready,
              (SELECT min(f.id) FROM trigger_events f WHERE f.trigger = $1)::text AS first
         FROM trigger_events c
        WHERE c.trigger = $1
        ORDER BY c.id
        LIMIT $2
        FOR UPDATE OF c SKIP LOCKED`,
      [trigger, options.limit],
    )
    if (rows[0] === undefined || rows[0].id !== rows[0].first) return []
    const ids: string[] = []
    for (const row of rows) {
      if (!row.ready) break
      ids.push(row.id)
    }
    if (ids.length === 0) return []
    return tx
      .query<ClaimedEvent>(
        `UPDATE trigger_events e
          SET lease_until = now() + make_interval(secs => $3), leased_by = $2,
              attempts = e.attempts + 1
        WHERE e.id = ANY ($1::bigint[])
        RETURNING e.id::text AS id, e.trigger, e.payload, e.attempts, e.depth`,
        [ids, options.holder, options.leaseSeconds],
      )
      .then((claimed) => claimed.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)))
  })

/** Gives back claimed events not run (an ordered batch stopped by a failure): ready at once. */
export const releaseEvents = async (
  db: Queryable,
  ids: readonly string[],
  holder: string,
): Promise<void> => {
  if (ids.length === 0) return
  await db.query(
    `UPDATE trigger_events SET lease_until = NULL, leased_by = NULL,
            attempts = greatest(attempts - 1, 0)
      WHERE id = ANY ($1::bigint[]) AND leased_by = $2`,
    [[...ids], holder],
  )
}

/** Keeps the events this process is running leased. */
export const renewLeases = async (
  db: Queryable,
  ids: readonly string[],
  lease: { readonly holder: string; readonly leaseSeconds: number },
): Promise<void> => {
  const { holder, leaseSeconds } = lease
  if (ids.length === 0) return
  await db.query(
    `UPDATE trigger_events SET lease_until = now() + make_interval(secs => $3)
      WHERE id = ANY ($1::bigint[]) AND leased_by = $2`,
    [[...ids], holder, leaseSeconds],
  )
}

/**
 * The function failed: the event waits `retryInSeconds` and is tried again, or, after
 * `maxAttempts`, is parked as failed with its error. Answers whether it was parked.
 */
export const failEvent = async (
  db: Queryable,
  event: { readonly id: string; readonly attempts: number },
  options: {
    readonly holder: string
    readonly error: string
    readonly maxAttempts: number
    readonly retryInSeconds: number
  },
): Promise<boolean> => {
  const parked = event.attempts >= options.maxAttempts
  await db.query(
    `UPDATE trigger_events
        SET lease_until = NULL, leased_by = NULL, last_error = $3, state = $4,
            next_at = now() + make_interval(secs => $5)
      WHERE id = $1::bigint AND leased_by = $2`,
    [
      event.id,
      options.holder,
      options.error,
      parked ? 'failed' : 'pending',
      options.retryInSeconds,
    ],
  )
  return parked
}
