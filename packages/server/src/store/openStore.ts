import { setTimeout as sleep } from 'node:timers/promises'
import { appSchemaName } from './appSchemaName'
import { createPgliteStore, type PgliteDurability } from './createPgliteStore'
import { createPostgresStore } from './createPostgresStore'
import { migrate } from './migrate'
import type { Store } from './Store'
import { isConnectionError } from './StoreUnavailableError'

/** Where the data lives: a PGlite data folder (or `:memory:`), or a PostgreSQL server. */
export type StoreOptions =
  | {
      readonly dataDir: string
      /** Whether commits are synced to disk (default `sync`; see `PgliteDurability`). */
      readonly durability?: PgliteDurability
      readonly databaseUrl?: undefined
    }
  | {
      readonly databaseUrl: string
      /**
       * The schema of the tables. Default: the app's own (`app_<appId>`) when `appId` is given,
       * else PostgreSQL's default (`public`).
       */
      readonly schema?: string
      readonly dataDir?: undefined
    }

/** How `openStore` behaves beyond where the data lives. */
export interface OpenStoreOptions {
  /**
   * The app the store is for. On PostgreSQL its tables live in a schema of its own, named after
   * it (see `appSchemaName`), so apps sharing a database never share users or sessions; tables an
   * older server left in `public` are moved there on the first start.
   */
  readonly appId?: string
  /**
   * Wait for a database that cannot be reached (not started yet, restarting) instead of failing:
   * tries again after 0.5 s, doubling up to `maxDelayMs` (default 10 s), until it answers or
   * `signal` aborts. Errors other than an unreachable database fail at once.
   */
  readonly waitForDatabase?: {
    readonly onRetry?: (error: unknown, delayMs: number) => void
    readonly maxDelayMs?: number
    readonly signal?: AbortSignal
  }
  /** Told which tables were moved from `public` into the app's schema, if any. */
  readonly onAdopted?: (schema: string, tables: readonly string[]) => void
}

const openOnce = async (options: StoreOptions, how: OpenStoreOptions): Promise<Store> => {
  let store: Store
  if (options.databaseUrl !== undefined) {
    const derived = options.schema === undefined && how.appId !== undefined
    const schema =
      options.schema ?? (how.appId === undefined ? undefined : appSchemaName(how.appId))
    store = await createPostgresStore({
      databaseUrl: options.databaseUrl,
      ...(schema === undefined ? {} : { schema }),
      adoptPublicTables: derived,
      onAdopted: (tables) => how.onAdopted?.(schema ?? 'public', tables),
    })
  } else {
    store = await createPgliteStore({
      dataDir: options.dataDir,
      ...(options.durability ? { durability: options.durability } : {}),
    })
  }
  try {
    await migrate(store)
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

/** Opens the store and brings its schema up to date. */
export const openStore = async (
  options: StoreOptions,
  how: OpenStoreOptions = {},
): Promise<Store> => {
  const wait = how.waitForDatabase
  let delayMs = 500
  for (;;) {
    try {
      return await openOnce(options, how)
    } catch (error) {
      if (!wait || !isConnectionError(error) || wait.signal?.aborted) throw error
      wait.onRetry?.(error, delayMs)
      await sleep(delayMs, undefined, wait.signal ? { signal: wait.signal } : {})
      delayMs = Math.min(delayMs * 2, wait.maxDelayMs ?? 10_000)
    }
  }
}
