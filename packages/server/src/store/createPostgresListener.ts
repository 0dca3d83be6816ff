import pg from 'pg'
import { quoteIdentifier } from './quoteIdentifier'
import type { NotificationListener } from './Store'

export interface PostgresListenerOptions {
  /** A `postgres://` connection string: the database whose notifications to receive. */
  readonly databaseUrl: string
  /** How often the connection is checked with `SELECT 1`, in ms. Default 10 s. */
  readonly heartbeatMs?: number
  /** The longest pause between two reconnection attempts, in ms. Default 5 s. */
  readonly maxBackoffMs?: number
}

/** `LISTEN` over one dedicated connection that comes back by itself. */
export interface PostgresListener {
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>
  close(): Promise<void>
}

const FIRST_BACKOFF_MS = 100

/**
 * Receives PostgreSQL notifications over one connection of its own (a pooled connection cannot
 * listen: it is handed to others between queries). A connection that fails, ends, or stops
 * answering the heartbeat is replaced, with a growing pause between attempts; once it listens
 * again every listener hears `onReconnect`, since what was sent meanwhile is lost.
 */
export const createPostgresListener = (options: PostgresListenerOptions): PostgresListener => {
  const heartbeatMs = options.heartbeatMs ?? 10_000
  const maxBackoffMs = options.maxBackoffMs ?? 5_000
  const channels = new Map<string, Set<NotificationListener>>()
  let client: pg.Client | undefined
  let connecting: Promise<void> | undefined
  let backoff = FIRST_BACKOFF_MS
  let retryTimer: NodeJS.Timeout | undefined
  let heartbeat: NodeJS.Timeout | undefined
  let closed = false
  // Set once a connection was lost, so the next successful one tells the listeners.
  let lost = false

  const drop = (failed: pg.Client): void => {
    if (client !== failed) return
    client = undefined
    lost = true
    clearInterval(heartbeat)
    failed.removeAllListeners('notification')
    // The failed client may still emit errors as it dies; they must not crash the process.
    failed.on('error', () => {})
    void failed.end().catch(() => {})
    scheduleConnect()
  }

  const scheduleConnect = (): void => {
    if (closed || retryTimer || connecting || channels.size === 0) return
    // Jitter, so that the processes of a cluster do not all come back in the same millisecond.
    const delay = backoff / 2 + Math.random() * (backoff / 2)
    backoff = Math.min(backoff * 2, maxBackoffMs)
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      void connect()
    }, delay)
    retryTimer.unref()
  }

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true })
      next.on('error', () => drop(next))
      next.on('end', () => drop(next))
      next.on('notification', (message) => {
        for (const listener of channels.get(message.channel) ?? []) {
          listener.onNotify(message.payload ?? '')
        }
      })
      try {
        await next.connect()
        for (const channel of channels.keys())
          await next.query(`LISTEN ${quoteIdentifier(channel)}`)
      } catch {
        next.removeAllListeners('end')
        next.on('error', () => {})
        await next.end().catch(() => {})
        lost = true
        return
      }
      if (closed) {
        await next.end().catch(() => {})
        return
      }
      client = next
      backoff = FIRST_BACKOFF_MS
      heartbeat = setInterval(() => {
        next.query('SELECT 1').catch(() => drop(next))
      }, heartbeatMs)
      heartbeat.unref()
      if (lost) {
        lost = false
        for (const set of channels.values()) for (const listener of set) listener.onReconnect?.()
      }
    })().finally(() => {
      connecting = undefined
      if (!client) scheduleConnect()
    })
    return connecting
  }

  return {
    async listen(channel, listener) {
      if (closed) throw new Error('the listener is closed')
      let set = channels.get(channel)
      if (!set) {
        set = new Set()
        channels.set(channel, set)
      }
      set.add(listener)
      if (!client) await connect()
      // LISTEN twice is harmless; a connection opened while this channel was being added may
      // not have it yet. A failure here means the connection is going: its successor listens.
      await client?.query(`LISTEN ${quoteIdentifier(channel)}`).catch(() => {})
      return async () => {
        const current = channels.get(channel)
        current?.delete(listener)
        if (current?.size === 0) {
          channels.delete(channel)
          await client?.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => {})
        }
      }
    },
    async close() {
      closed = true
      clearTimeout(retryTimer)
      clearInterval(heartbeat)
      await connecting
      const last = client
      client = undefined
      if (last) {
        last.removeAllListeners('end')
        last.on('error', () => {})
        await last.end().catch(() => {})
      }
    },
  }
}
