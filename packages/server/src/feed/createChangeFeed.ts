import type { Store } from '../store/Store'
import { createChangeNotifier } from './createChangeNotifier'
import {
  deleteCursor,
  listCursors,
  readCursor,
  registerCursor,
  saveCursor,
  type FeedCursor,
} from './feedCursors'
import { documentChangedSince, markFeed, type DocumentTarget, type FeedMark } from './feedMarks'
import { startOfBatch, type FeedPosition } from './FeedPosition'
import { pruneChanges, type PruneResult } from './pruneChanges'
import {
  DEFAULT_READ_LIMIT,
  readChanges,
  type ChangePage,
  type ReadChangesOptions,
} from './readChanges'
import { sealChanges } from './sealChanges'

/** Durable consumers' cursors (feedCursors.ts). */
export interface FeedCursors {
  register(name: string, start: FeedPosition): Promise<FeedCursor>
  read(name: string): Promise<FeedCursor | null>
  save(name: string, position: FeedPosition): Promise<void>
  delete(name: string): Promise<void>
  list(): Promise<FeedCursor[]>
}

/**
 * The change feed of one store: every insert, update, replace and delete of a document, whoever
 * made it, recorded in the transaction of the change (the `documents` trigger of migration 100)
 * and read back in MongoDB's change-event shape. Triggers and live streams read it; the function
 * route asks it whether a call changed the caller's custom data.
 */
export interface ChangeFeed {
  /**
   * The events after `options.after`, in feed order. A reader that has caught up seals the
   * events committed since (so what woke it is there) before it answers.
   */
  readChanges(options: ReadChangesOptions): Promise<ChangePage>
  /** The position after everything committed so far: where a reader of "from now on" starts. */
  latestPosition(): Promise<FeedPosition>
  /** The position before the oldest event the feed still holds. */
  startPosition(): Promise<FeedPosition>
  /** Makes the events committed so far readable (sealChanges.ts); calls in flight share one. */
  seal(): Promise<void>
  /** The present moment, to ask later what changed since (cheap: writes nothing). */
  mark(): Promise<FeedMark>
  /** Whether the document `target` names changed in a transaction that committed after `mark`. */
  documentChangedSince(mark: FeedMark, target: DocumentTarget): Promise<boolean>
  /** Calls `onChange` whenever the feed may have grown (createChangeNotifier.ts). */
  subscribe(onChange: () => void): Promise<() => void>
  /** Wakes the readers after a write committed (the collection API's `announce`). */
  announce(): void
  readonly cursors: FeedCursors
  /** Seals, then deletes what every cursor has passed and the retention window is over for. */
  prune(): Promise<PruneResult>
  /** Stops listening. The store stays open. */
  close(): Promise<void>
}

export interface ChangeFeedOptions {
  readonly store: Store
  /**
   * How long events are kept once every registered cursor has passed them, in seconds: what an
   * unregistered reader (a live stream, a `watch()`) may lag behind. Default 3600.
   */
  readonly retentionSeconds?: number
  /** See `ChangeNotifierOptions.safetyIntervalMs`. */
  readonly safetyIntervalMs?: number
  /** Told when a subscriber throws. */
  readonly onError?: (error: unknown) => void
}

export const DEFAULT_CHANGE_RETENTION_SECONDS = 3600

export const createChangeFeed = (options: ChangeFeedOptions): ChangeFeed => {
  const { store } = options
  const retentionSeconds = options.retentionSeconds ?? DEFAULT_CHANGE_RETENTION_SECONDS
  if (!Number.isFinite(retentionSeconds) || retentionSeconds < 0) {
    throw new TypeError(`retentionSeconds must be 0 or more, got ${retentionSeconds}`)
  }
  const notifier = createChangeNotifier({
    store,
    ...(options.safetyIntervalMs !== undefined
      ? { safetyIntervalMs: options.safetyIntervalMs }
      : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  })

  // One seal at a time per process. A caller arriving while one runs waits for the next: the
  // running one may have taken its snapshot before the caller's writes committed.
  let running: Promise<void> | undefined
  let next: Promise<void> | undefined
  const seal = (): Promise<void> => {
    if (!running) {
      running = sealChanges(store)
        .then(() => {})
        .finally(() => {
          running = undefined
        })
      return running
    }
    next ??= running
      .catch(() => {})
      .then(() => {
        next = undefined
        return seal()
      })
    return next
  }

  const bound = async (which: 'min' | 'max'): Promise<bigint> => {
    const [row] = await store.query<{ batch: string }>(
      `SELECT ${which}(batch)::text AS batch FROM change_batches`,
    )
    return BigInt(row?.batch ?? '0')
  }

  return {
    async readChanges(readOptions) {
      const page = await readChanges(store, readOptions)
      const limit = readOptions.limit ?? DEFAULT_READ_LIMIT
      if (!page.caughtUp || page.changes.length >= limit) return page
      await seal()
      const rest = await readChanges(store, {
        ...readOptions,
        after: page.position,
        limit: limit - page.changes.length,
      })
      return { ...rest, changes: [...page.changes, ...rest.changes] }
    },
    async latestPosition() {
      await seal()
      return startOfBatch((await bound('max')) + 1n)
    },
    async startPosition() {
      return startOfBatch((await bound('min')) + 1n)
    },
    seal,
    mark: () => markFeed(store),
    documentChangedSince: (mark, target) => documentChangedSince(store, mark, target),
    subscribe: (onChange) => notifier.subscribe(onChange),
    announce: () => notifier.announce(),
    cursors: {
      register: (name, start) => registerCursor(store, name, start),
      read: (name) => readCursor(store, name),
      save: (name, position) => saveCursor(store, name, position),
      delete: (name) => deleteCursor(store, name),
      list: () => listCursors(store),
    },
    async prune() {
      await seal()
      return pruneChanges(store, retentionSeconds)
    },
    close: () => notifier.close(),
  }
}
