import { randomBytes } from 'node:crypto'
import type { Store } from '../store/Store'

/** Wakes the feed's readers when something may have changed. */
export interface ChangeNotifier {
  /**
   * Calls `onChange` after a transaction that changed documents commits, in this process or any
   * other on the database; after the notifier lost its connection and is back (what was sent
   * meanwhile is lost); and every `safetyIntervalMs` in any case. A call is a hint, not an event:
   * read the feed to learn what changed. Resolves once listening, with the function that stops.
   */
  subscribe(onChange: () => void): Promise<() => void>
  /**
   * Says that a write committed (the collection API calls it, having asked the trigger not to
   * notify): wakes this process's subscribers at once and, on PostgreSQL, the other processes'
   * with one NOTIFY at a time, however many writes call it meanwhile.
   */
  announce(): void
  close(): Promise<void>
}

export interface ChangeNotifierOptions {
  readonly store: Store
  /** Wake the readers this often even without a notification, in ms. Default 30 s. */
  readonly safetyIntervalMs?: number
  /** Told when a subscriber throws. Default: ignored. */
  readonly onError?: (error: unknown) => void
}

const NOTIFY_SPACING_MS = 10

/**
 * The feed's notifier: `NOTIFY` on the channel of the store's schema (`change_feed_channel`,
 * sent by the trigger that records each change), heard over `Store.listen`. The connection is
 * opened on the first subscription.
 */
export const createChangeNotifier = (options: ChangeNotifierOptions): ChangeNotifier => {
  const { store } = options
  const subscribers = new Set<() => void>()
  let listening: Promise<() => Promise<void>> | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false
  // The payload of this process's own NOTIFYs: its subscribers were woken already.
  const self = randomBytes(8).toString('hex')
  let wakePending = false
  let sending: Promise<void> | undefined
  let sendAgain = false

  const wake = (): void => {
    for (const subscriber of subscribers) {
      try {
        subscriber()
      } catch (error) {
        options.onError?.(error)
      }
    }
  }

  const listen = async (): Promise<() => Promise<void>> => {
    const [row] = await store.query<{ channel: string }>(
      'SELECT change_feed_channel(current_schema()) AS channel',
    )
    if (!row) throw new Error('change_feed_channel() answered no row')
    const stop = await store.listen(row.channel, {
      onNotify: (payload) => {
        if (payload !== self) wake()
      },
      onReconnect: wake,
    })
    timer = setInterval(wake, options.safetyIntervalMs ?? 30_000)
    timer.unref()
    return stop
  }

  // At most one NOTIFY in flight, and one per NOTIFY_SPACING_MS: under a steady stream of writes
  // the other processes are woken a hundred times a second, not once per write. The
  // notification says nothing a crash could lose, so its commit does not wait for the disk.
  const notifyOthers = (): void => {
    if (sending) {
      sendAgain = true
      return
    }
    const started = performance.now()
    sending = store
      .query(
        "SELECT set_config('synchronous_commit', 'off', true), pg_notify(change_feed_channel(current_schema()), $1)",
        [self],
      )
      .then(
        () => {},
        (error: unknown) => options.onError?.(error),
      )
      .then(async () => {
        const wait = NOTIFY_SPACING_MS - (performance.now() - started)
        if (sendAgain && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      })
      .finally(() => {
        sending = undefined
        if (sendAgain && !closed) {
          sendAgain = false
          notifyOthers()
        }
      })
  }

  return {
    announce() {
      if (closed) return
      if (!wakePending && subscribers.size > 0) {
        wakePending = true
        queueMicrotask(() => {
          wakePending = false
          wake()
        })
      }
      // One process per PGlite data folder: nobody else to tell.
      if (store.kind === 'postgres') notifyOthers()
    },
    async subscribe(onChange) {
      if (closed) throw new Error('the change notifier is closed')
      subscribers.add(onChange)
      listening ??= listen()
      try {
        await listening
      } catch (error) {
        listening = undefined
        subscribers.delete(onChange)
        throw error
      }
      return () => {
        subscribers.delete(onChange)
      }
    },
    async close() {
      closed = true
      clearInterval(timer)
      subscribers.clear()
      await sending
      const stop = await listening?.catch(() => undefined)
      await stop?.()
    },
  }
}
