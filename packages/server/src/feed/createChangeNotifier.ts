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
  close(): Promise<void>
}

export interface ChangeNotifierOptions {
  readonly store: Store
  /** Wake the readers this often even without a notification, in ms. Default 30 s. */
  readonly safetyIntervalMs?: number
  /** Told when a subscriber throws. Default: ignored. */
  readonly onError?: (error: unknown) => void
}

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
    const stop = await store.listen(row.channel, { onNotify: wake, onReconnect: wake })
    timer = setInterval(wake, options.safetyIntervalMs ?? 30_000)
    timer.unref()
    return stop
  }

  return {
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
      const stop = await listening?.catch(() => undefined)
      await stop?.()
    },
  }
}
