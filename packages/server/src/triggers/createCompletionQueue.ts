import type { Queryable } from '../store/Store'

/** Records delivered events, many per statement. */
export interface CompletionQueue {
  /** Resolves once the event's row is gone (its delivery recorded). */
  complete(id: string): Promise<void>
}

/**
 * Deletes delivered events in groups: while one DELETE runs, the ids that arrive wait for the
 * next, which takes them all. Under load one commit (one fsync on PGlite) records many
 * deliveries; alone, an id goes at once. Only rows this process holds are deleted: a lease lost
 * meanwhile leaves the event to its new holder (delivered again: at least once).
 */
export const createCompletionQueue = (db: Queryable, holder: string): CompletionQueue => {
  let waiting: { id: string; done: () => void; failed: (error: unknown) => void }[] = []
  let running = false

  const flush = async (): Promise<void> => {
    running = true
    while (waiting.length > 0) {
      const group = waiting
      waiting = []
      try {
        await db.query(
          'DELETE FROM trigger_events WHERE id = ANY ($1::bigint[]) AND leased_by = $2',
          [group.map((item) => item.id), holder],
        )
        for (const item of group) item.done()
      } catch (error) {
        for (const item of group) item.failed(error)
      }
    }
    running = false
  }

  return {
    complete: (id) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ id, done: resolve, failed: reject })
        if (!running) void flush()
      }),
  }
}
