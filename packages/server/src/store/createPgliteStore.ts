import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { lockDataDir, type DataDirLock } from './lockDataDir'
import { quoteIdentifier } from './quoteIdentifier'
import type { Queryable, Store } from './Store'
import { rethrowUnavailable } from './StoreUnavailableError'
import { SYNCED_START_PARAMS, SyncingNodeFS, syncTree } from './SyncingNodeFS'

/**
 * What a PGlite data folder promises. `sync` (the default): each commit is synced to disk
 * (fsync) before it is acknowledged, so an acknowledged write survives a crash of the process,
 * of the operating system, or a power cut. `relaxed`: PGlite's own behaviour, no fsync at all:
 * acknowledged writes survive the process being killed (they are in the operating system's
 * cache), not an operating-system crash, which may also leave the folder unreadable.
 */
export type PgliteDurability = 'sync' | 'relaxed'

export interface PgliteStoreOptions {
  /** A data folder, or `:memory:` (the default) for a database that lives as long as the process. */
  readonly dataDir?: string
  /** See `PgliteDurability`. Default `sync`. */
  readonly durability?: PgliteDurability
}

const wrap = (db: PGlite | Transaction): Queryable => ({
  async query<TRow>(sql: string, params: readonly unknown[] = []) {
    const result = await db.query<TRow>(sql, params as unknown[]).catch(rethrowUnavailable)
    return result.rows
  },
  async exec(sql: string) {
    await db.exec(sql).catch(rethrowUnavailable)
  },
})

// PostgreSQL's buffer pool, 128 MB by default, caches pages that PGlite already holds in memory
// (in memory: its file system is the Node heap) or the operating system caches (a data folder):
// a smaller one costs few reads and took about 110 MB off the server's idle RSS (issue 19).
const SMALL_BOX_PARAMS = ['-c', 'shared_buffers=32MB']

const openPglite = async (dataDir: string | undefined, durability: PgliteDurability) => {
  const startParams = [...PGlite.defaultStartParams, ...SMALL_BOX_PARAMS]
  if (!dataDir) return PGlite.create({ startParams })
  if (durability === 'relaxed') return PGlite.create({ dataDir, startParams })
  const created = !existsSync(join(dataDir, 'PG_VERSION'))
  const db = await PGlite.create({
    fs: new SyncingNodeFS(dataDir),
    startParams: [...SYNCED_START_PARAMS, ...SMALL_BOX_PARAMS],
  })
  if (created) syncTree(dataDir)
  return db
}

/**
 * Opens embedded PostgreSQL (PGlite). PGlite has one connection, so it serialises queries and
 * transactions itself; this wrapper only adapts its API to `Store`. A data folder is locked for
 * this process (`<dataDir>.lock`): a second server on it fails fast with the holder's PID.
 * Commits are synced to disk unless `durability` is `relaxed` (see `PgliteDurability`).
 */
export const createPgliteStore = async (options: PgliteStoreOptions = {}): Promise<Store> => {
  const dataDir = options.dataDir && options.dataDir !== ':memory:' ? options.dataDir : undefined
  let lock: DataDirLock | undefined
  let db: PGlite
  try {
    if (dataDir) {
      await mkdir(dirname(dataDir), { recursive: true })
      lock = await lockDataDir(dataDir)
      await mkdir(dataDir, { recursive: true })
    }
    db = await openPglite(dataDir, options.durability ?? 'sync')
  } catch (error) {
    await lock?.release()
    throw error
  }
  const root = wrap(db)
  let closing: Promise<void> | undefined
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))).catch(rethrowUnavailable),
    // One connection in this process: a NOTIFY arrives once its transaction commits, nothing is
    // ever lost in between, so there is nothing to reconnect.
    listen: (channel, listener) =>
      db.listen(quoteIdentifier(channel), (payload) => listener.onNotify(payload)),
    async ping() {
      if (closing || db.closed) return false
      return db.query('SELECT 1').then(
        () => true,
        () => false,
      )
    },
    close() {
      closing ??= (async () => {
        try {
          if (db.closed) return
          // A checkpoint first, so the next start finds a clean data folder (pglite #327).
          if (dataDir) await db.exec('CHECKPOINT')
          await db.close()
        } finally {
          await lock?.release()
        }
      })()
      return closing
    },
  }
}
