import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { lockDataDir, type DataDirLock } from './lockDataDir'
import { quoteIdentifier } from './quoteIdentifier'
import type { Queryable, Store } from './Store'

export interface PgliteStoreOptions {
  /** A data folder, or `:memory:` (the default) for a database that lives as long as the process. */
  readonly dataDir?: string
}

const wrap = (db: PGlite | Transaction): Queryable => ({
  async query<TRow>(sql: string, params: readonly unknown[] = []) {
    const result = await db.query<TRow>(sql, params as unknown[])
    return result.rows
  },
  async exec(sql: string) {
    await db.exec(sql)
  },
})

/**
 * Opens embedded PostgreSQL (PGlite). PGlite has one connection, so it serialises queries and
 * transactions itself; this wrapper only adapts its API to `Store`. A data folder is locked for
 * this process (`<dataDir>.lock`): a second server on it fails fast with the holder's PID.
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
    db = await PGlite.create(dataDir ? { dataDir } : {})
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
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    // One connection in this process: a NOTIFY arrives once its transaction commits, nothing is
    // ever lost in between, so there is nothing to reconnect.
    listen: (channel, listener) =>
      db.listen(quoteIdentifier(channel), (payload) => listener.onNotify(payload)),
    async ping() {
      if (db.closed) return false
      await db.query('SELECT 1')
      return true
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
