import pg from 'pg'
import { createPostgresListener } from './createPostgresListener'
import type { Queryable, Store } from './Store'

export interface PostgresStoreOptions {
  /** A `postgres://` connection string. */
  readonly databaseUrl: string
  /** A schema to create and use instead of `public` (tests give each store its own). */
  readonly schema?: string
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
  async query<TRow>(sql: string, params: readonly unknown[] = []) {
    const result = await client.query(sql, params as unknown[])
    return result.rows as TRow[]
  },
  async exec(sql: string) {
    await client.query(sql)
  },
})

/** Opens a pool on a PostgreSQL server: the production store, shared by several server instances. */
export const createPostgresStore = async (options: PostgresStoreOptions): Promise<Store> => {
  const { databaseUrl, schema } = options
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lowercase letters, digits and _.`)
  }
  if (schema) {
    const setup = new pg.Client({ connectionString: databaseUrl })
    await setup.connect()
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    } finally {
      await setup.end()
    }
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const root = wrap(pool)
  // Notifications need a connection of their own, opened on the first listen.
  const listener = createPostgresListener({ databaseUrl })
  let closing: Promise<void> | undefined
  return {
    kind: 'postgres',
    query: root.query,
    exec: root.exec,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    listen: (channel, onNotification) => listener.listen(channel, onNotification),
    async ping() {
      try {
        await pool.query('SELECT 1')
        return true
      } catch {
        return false
      }
    },
    close() {
      closing ??= Promise.all([listener.close(), pool.end()]).then(() => {})
      return closing
    },
  }
}
