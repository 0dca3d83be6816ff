import pg from 'pg'
import { adoptPublicTables } from './adoptPublicTables'
import { createPostgresListener } from './createPostgresListener'
import type { Queryable, Store } from './Store'
import { isConnectionError, rethrowUnavailable } from './StoreUnavailableError'

export interface PostgresStoreOptions {
  /** A `postgres://` connection string. */
  readonly databaseUrl: string
  /**
   * The schema to create and keep the tables in (`search_path`). Default: PostgreSQL's own
   * (`public`, unless the role or database sets another).
   */
  readonly schema?: string
  /**
   * Move this server's tables from `public` into `schema` when `schema` has none yet: an app
   * that ran before schemas per app finds its data there (see `adoptPublicTables`).
   */
  readonly adoptPublicTables?: boolean
  /** Told the tables it moved, if any. */
  readonly onAdopted?: (tables: readonly string[]) => void
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/
// A connection attempt to an address that does not answer fails after this, rather than holding
// the request until the client gives up.
const CONNECT_TIMEOUT_MS = 5_000
// `/health/ready` answers within this even when the database hangs.
const PING_TIMEOUT_MS = 2_000

/** A connection whose attempt to reach the database gives up after `CONNECT_TIMEOUT_MS`. */
class TimedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(
      typeof config === 'string'
        ? { connectionString: config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }
        : { ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    )
  }
}

// How many distinct statement texts a store prepares by name. The server's own queries are a few
// dozen; the collection API writes its texts from filters (one per shape of filter, values are
// parameters), so a cap keeps an app with endless shapes from filling every connection with
// statements: texts beyond it run unnamed, parsed and planned each time, as before.
const MAX_PREPARED = 500

/**
 * Names for statement texts, shared by the pool's connections: a named statement is parsed and
 * planned once per connection and then only bound and executed (the refresh query planned in
 * 0.25 ms and ran in 0.06 ms when every query was unnamed; named, refreshes ran 1.73 times as
 * fast in issue 19's experiment). One text always has one name, as pg requires of a connection's statements.
 */
const createStatementNames = () => {
  // '' marks a text that runs unnamed from now on (its plan went stale, see isStalePlan).
  const names = new Map<string, string>()
  return {
    nameOf(sql: string): string | undefined {
      let name = names.get(sql)
      if (name === undefined && names.size < MAX_PREPARED) {
        name = `rcd_${names.size}`
        names.set(sql, name)
      }
      return name || undefined
    },
    unname(sql: string): void {
      names.set(sql, '')
    },
  }
}

// "cached plan must not change result type": a prepared `SELECT *` whose table another server's
// migration changed. The statement runs again unnamed (outside a transaction, where that is safe),
// and so from then on: the stale name stays on the connections that prepared it.
const isStalePlan = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === '0A000'

const wrap = (
  client: pg.Pool | pg.PoolClient,
  names: ReturnType<typeof createStatementNames>,
  inTransaction: boolean,
): Queryable => ({
  async query<TRow>(sql: string, params: readonly unknown[] = []) {
    const values = params as unknown[]
    const name = names.nameOf(sql)
    const run = (named: boolean) =>
      client.query(named && name ? { name, text: sql, values } : { text: sql, values })
    const result = await run(true)
      .catch((error: unknown) => {
        if (inTransaction || !name || !isStalePlan(error)) throw error
        names.unname(sql)
        return run(false)
      })
      .catch(rethrowUnavailable)
    return result.rows as TRow[]
  },
  async exec(sql: string) {
    await client.query(sql).catch(rethrowUnavailable)
  },
})

/** A setup connection of its own: creates the schema and moves legacy tables into it. */
const prepareSchema = async (options: PostgresStoreOptions, schema: string): Promise<void> => {
  const setup = new pg.Client({ connectionString: options.databaseUrl })
  // A connection the server ends during setup must fail the setup, not the process.
  setup.on('error', () => {})
  try {
    await setup.connect()
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    if (options.adoptPublicTables) {
      const moved = await adoptPublicTables(setup, schema)
      if (moved.length > 0) options.onAdopted?.(moved)
    }
  } finally {
    await setup.end().catch(() => {})
  }
}

/**
 * Opens a pool on a PostgreSQL server: the production store, shared by several server instances.
 * A connection the server drops (a restart, a failover, an idle-connection kill) fails only the
 * request using it, as `StoreUnavailableError` (503): every client, idle or checked out, has an
 * `'error'` listener, so no dropped connection can end the process, and the pool opens new ones
 * when the database is back.
 */
export const createPostgresStore = async (options: PostgresStoreOptions): Promise<Store> => {
  const { databaseUrl, schema } = options
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lowercase letters, digits and _.`)
  }
  if (schema) await prepareSchema(options, schema).catch(rethrowUnavailable)
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // The connect timeout on each connection, not on the pool: pg-pool's own would also fail a
    // request that waits for a free connection under load (a busy pool is not a dead database).
    Client: TimedClient,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client that loses its connection: the pool drops it and opens another when needed.
  pool.on('error', () => {})
  const names = createStatementNames()
  const root = wrap(pool, names, false)
  // Notifications need a connection of their own, opened on the first listen.
  const listener = createPostgresListener({ databaseUrl })
  let closing: Promise<void> | undefined
  return {
    kind: 'postgres',
    query: root.query,
    exec: root.exec,
    async transaction(fn) {
      const client = await pool.connect().catch(rethrowUnavailable)
      // Checked-out clients have no pool listener: without this one, a connection the server
      // ends between two statements of a transaction would be an unhandled 'error' event.
      let lost: unknown
      const onError = (error: unknown) => {
        lost ??= error
      }
      client.on('error', onError)
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client, names, true))
        await client.query('COMMIT')
        return result
      } catch (error) {
        if (lost === undefined && !isConnectionError(error)) {
          await client.query('ROLLBACK').catch(() => {})
        } else {
          lost ??= error
        }
        return rethrowUnavailable(error)
      } finally {
        client.off('error', onError)
        // A client whose connection failed is discarded, never handed to the next request.
        client.release(lost === undefined ? undefined : (lost as Error))
      }
    },
    listen: (channel, onNotification) => listener.listen(channel, onNotification),
    async ping() {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)
      })
      // A boolean whatever happens, also when the query fails after the timeout won the race.
      const answered = pool.query('SELECT 1').then(
        () => true,
        () => false,
      )
      try {
        return await Promise.race([answered, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    close() {
      closing ??= Promise.all([listener.close(), pool.end()]).then(() => {})
      return closing
    },
  }
}
