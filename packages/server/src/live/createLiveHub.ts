import type { Logger } from 'pino'
import type { Clock } from '../Clock'
import type { CustomDataLocation } from '../collection/CustomDataLocation'
import { customDataClaim, customDataSubquery } from '../customData/readCustomData'
import type { FeedChange } from '../feed/changeEventOf'
import type { ChangeFeed } from '../feed/createChangeFeed'
import type { FeedPosition } from '../feed/FeedPosition'
import { isHistoryLost } from '../feed/readChanges'
import type { Store } from '../store/Store'
import type { StreamEndReason } from './createSseStream'
import type { LiveEntry } from './LiveEntry'
import type { LiveSettings } from './LiveSettings'

/** Every open live stream of one server process, fed by one reader of the change feed. */
export interface LiveHub {
  /**
   * Starts reading the feed and listening for ended sessions, once; a stream registers only
   * after this, so nothing that happens after its session was checked can be missed.
   */
  start(): Promise<void>
  /**
   * Registers a stream (after `start`). A user over the cap loses its oldest stream. Answers
   * the function that unregisters it (its stream ended).
   */
  add(entry: LiveEntry): () => void
  /** Sends the user's current custom data to this stream if it differs from what it holds. */
  catchUp(entry: LiveEntry): Promise<void>
  /** Open streams. */
  readonly size: number
  /** Ends every stream (`shutdown`) and stops reading. */
  close(): Promise<void>
}

export interface LiveHubOptions {
  readonly store: Store
  readonly feed: ChangeFeed
  readonly customData: CustomDataLocation | null
  readonly settings: LiveSettings
  readonly clock: Clock
  readonly logger: Logger
}

const READ_LIMIT = 1000
const RETRY_MS = 1000
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * The live streams' hub. One reader follows the change feed for the whole process (PostgreSQL
 * LISTEN/NOTIFY wakes it for writes made by any process, PGlite in process): a change to a
 * custom-data document is looked up once per user and handed to that user's streams; a change
 * anywhere else goes to the `watch()` streams of its namespace. A NOTIFY from the triggers of
 * migration 160 ends the streams of a session the moment it is logged out, revoked or deleted,
 * or of a user disabled or deleted, whichever process did it.
 */
export const createLiveHub = (options: LiveHubOptions): LiveHub => {
  const { store, feed, customData, settings, logger } = options
  const entries = new Set<LiveEntry>()
  const byUser = new Map<string, LiveEntry[]>()
  const bySession = new Map<string, Set<LiveEntry>>()
  const byNamespace = new Map<string, Set<LiveEntry>>()
  const expiries = new Map<LiveEntry, NodeJS.Timeout>()
  let starting: Promise<void> | undefined
  let stops: (() => Promise<void> | void)[] = []
  let heartbeat: NodeJS.Timeout | undefined
  let position: FeedPosition | undefined
  let reading = false
  let again = false
  let closed = false

  const remove = (entry: LiveEntry): void => {
    if (!entries.delete(entry)) return
    clearTimeout(expiries.get(entry))
    expiries.delete(entry)
    const ofUser = byUser.get(entry.userId)
    const index = ofUser?.indexOf(entry) ?? -1
    if (ofUser && index >= 0) ofUser.splice(index, 1)
    if (ofUser?.length === 0) byUser.delete(entry.userId)
    const ofSession = bySession.get(entry.sessionId)
    ofSession?.delete(entry)
    if (ofSession?.size === 0) bySession.delete(entry.sessionId)
    if (entry.watch) {
      const watchers = byNamespace.get(entry.watch.namespace)
      watchers?.delete(entry)
      if (watchers?.size === 0) byNamespace.delete(entry.watch.namespace)
    }
  }

  const end = (entry: LiveEntry, reason: StreamEndReason): void => {
    remove(entry)
    entry.end(reason)
  }

  /** The custom data of these users, one query for all: relaxed EJSON, undefined for none. */
  const readAll = async (userIds: readonly string[]): Promise<Map<string, unknown>> => {
    const found = new Map<string, unknown>()
    if (!customData || userIds.length === 0) return found
    const rows = await store.query<{ user_id: string; doc: unknown }>(
      `SELECT t.u AS user_id, ${customDataSubquery(customData, 't.u')} AS doc
         FROM unnest($1::text[]) AS t(u)`,
      [userIds],
    )
    for (const row of rows) found.set(row.user_id, customDataClaim(row.doc))
    return found
  }

  const pushCustomData = async (userIds: readonly string[]): Promise<void> => {
    const data = await readAll(userIds)
    const pushes: Promise<void>[] = []
    for (const userId of userIds) {
      for (const entry of byUser.get(userId) ?? []) {
        if (entry.onCustomData) pushes.push(entry.onCustomData(data.get(userId)))
      }
    }
    await Promise.all(pushes)
  }

  const userIdsOf = (change: FeedChange): string[] => {
    if (!customData) return []
    const { event } = change
    if (event.ns.db !== customData.databaseName || event.ns.coll !== customData.collectionName) {
      return []
    }
    const ids: string[] = []
    for (const doc of [event.fullDocument, event.fullDocumentBeforeChange]) {
      const id = doc?.[customData.userIdField]
      if (typeof id === 'string' && byUser.has(id)) ids.push(id)
    }
    return ids
  }

  const dispatch = async (changes: readonly FeedChange[]): Promise<void> => {
    const users = new Set<string>()
    for (const change of changes) {
      for (const id of userIdsOf(change)) users.add(id)
      const { db, coll } = change.event.ns
      for (const entry of byNamespace.get(`${db}.${coll}`) ?? []) entry.watch?.onChange(change)
    }
    if (users.size > 0) await pushCustomData([...users])
  }

  const read = async (): Promise<void> => {
    do {
      again = false
      for (;;) {
        if (closed || !position) return
        const page = await feed.readChanges({
          after: position,
          limit: READ_LIMIT,
          fullDocument: true,
          fullDocumentBeforeChange: true,
        })
        position = page.position
        await dispatch(page.changes)
        if (page.caughtUp) break
      }
    } while (again && !closed)
  }

  const wake = (): void => {
    if (reading) {
      again = true
      return
    }
    reading = true
    read()
      .catch(async (error: unknown) => {
        if (isHistoryLost(error)) {
          // Fell behind the retention window: what was missed is caught up stream by stream.
          position = await feed.latestPosition().catch(() => position)
          for (const entry of entries) void catchUp(entry)
        } else {
          logger.warn({ err: error }, 'live streams: reading the change feed failed; will retry')
        }
        setTimeout(wake, RETRY_MS).unref()
      })
      .finally(() => {
        reading = false
        if (again && !closed) wake()
      })
  }

  const endWhere = (ids: Iterable<LiveEntry> | undefined): void => {
    for (const entry of [...(ids ?? [])]) end(entry, 'logout')
  }

  // After the listening connection was lost (NOTIFYs sent meanwhile are gone), check every
  // open stream's session at once.
  const recheckSessions = async (): Promise<void> => {
    const sessions = [...bySession.keys()]
    if (sessions.length === 0) return
    const live = await store.query<{ id: string }>(
      `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ANY($1::text[]) AND s.revoked_at IS NULL AND NOT u.disabled`,
      [sessions],
    )
    const alive = new Set(live.map((row) => row.id))
    for (const id of sessions) if (!alive.has(id)) endWhere(bySession.get(id))
  }

  // Streams opening together (a reconnect storm after a restart) are caught up together: one
  // query per thousand users, not one per stream.
  let catchingUp: { entries: Set<LiveEntry>; done: Promise<void> } | undefined
  const catchUpNow = async (waiting: Set<LiveEntry>): Promise<void> => {
    const live = [...waiting].filter((entry) => entries.has(entry) && entry.onCustomData)
    const users = [...new Set(live.map((entry) => entry.userId))]
    for (let i = 0; i < users.length; i += READ_LIMIT) {
      const data = await readAll(users.slice(i, i + READ_LIMIT))
      await Promise.all(
        live
          .filter((entry) => data.has(entry.userId) && entries.has(entry))
          .map((entry) => entry.onCustomData!(data.get(entry.userId))),
      )
    }
  }
  const catchUp = (entry: LiveEntry): Promise<void> => {
    if (!entry.onCustomData || !customData) return Promise.resolve()
    if (!catchingUp) {
      const batch = new Set<LiveEntry>()
      catchingUp = {
        entries: batch,
        done: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          catchingUp = undefined
          return catchUpNow(batch)
        }),
      }
    }
    catchingUp.entries.add(entry)
    return catchingUp.done
  }

  const start = async (): Promise<void> => {
    const [row] = await store.query<{ channel: string }>(
      'SELECT live_end_channel(current_schema()) AS channel',
    )
    if (!row) throw new Error('live_end_channel() answered no row')
    stops.push(
      await store.listen(row.channel, {
        onNotify: (payload) => {
          const id = payload.slice(2)
          if (payload.startsWith('s:')) endWhere(bySession.get(id))
          else if (payload.startsWith('u:')) endWhere(byUser.get(id))
        },
        onReconnect: () => {
          recheckSessions().catch((error: unknown) =>
            logger.warn({ err: error }, 'live streams: checking sessions failed'),
          )
          wake()
        },
      }),
    )
    position = await feed.latestPosition()
    stops.push(await feed.subscribe(wake))
    heartbeat = setInterval(() => {
      for (const entry of [...entries]) if (!entry.heartbeat()) remove(entry)
    }, settings.heartbeatSeconds * 1000)
    heartbeat.unref()
  }

  return {
    start() {
      if (closed) return Promise.reject(new Error('the live hub is closed'))
      starting ??= start().catch((error: unknown) => {
        starting = undefined
        throw error
      })
      return starting
    },
    add(entry) {
      if (closed) {
        entry.end('shutdown')
        return () => {}
      }
      const ofUser = byUser.get(entry.userId) ?? []
      while (ofUser.length >= settings.streamsPerUser) {
        const oldest = ofUser[0]
        if (!oldest) break
        end(oldest, 'replaced')
      }
      entries.add(entry)
      ofUser.push(entry)
      byUser.set(entry.userId, ofUser)
      const ofSession = bySession.get(entry.sessionId) ?? new Set()
      ofSession.add(entry)
      bySession.set(entry.sessionId, ofSession)
      if (entry.watch) {
        const watchers = byNamespace.get(entry.watch.namespace) ?? new Set()
        watchers.add(entry)
        byNamespace.set(entry.watch.namespace, watchers)
      }
      // setTimeout fires at once past 2^31 - 1 ms: a far expiry is waited for in steps.
      const arm = (): void => {
        const left = entry.expiresAtMs - options.clock.now()
        if (left <= 0) return end(entry, 'expired')
        const timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS))
        timer.unref()
        expiries.set(entry, timer)
      }
      arm()
      return () => remove(entry)
    },
    catchUp,
    get size() {
      return entries.size
    },
    async close() {
      closed = true
      clearInterval(heartbeat)
      for (const entry of [...entries]) end(entry, 'shutdown')
      await starting?.catch(() => {})
      const stopping = stops
      stops = []
      await Promise.all(stopping.map(async (stop) => stop()))
    },
  }
}
