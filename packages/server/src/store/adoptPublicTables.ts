import type pg from 'pg'
import { MIGRATION_LOCK_KEY } from './migrate'

/**
 * Every table the releases before schemas per app created, in `public`: all a database can hold
 * of an app that ran on one of them. Tables of later migrations are created in the app's schema
 * from the start, so this list never grows.
 */
const LEGACY_TABLES = [
  'schema_migrations',
  'users',
  'identities',
  'sessions',
  'signing_keys',
  'documents',
  'refresh_tokens',
  'userpass_accounts',
  'userpass_tokens',
  'api_keys',
  'server_secrets',
  'login_failures',
]
/** The migrations those releases could have applied (see migrations.ts). */
const LEGACY_VERSIONS = new Set([1, 2, 3, 4, 50])

/** `public` holds tables of this server that it cannot move by itself. */
export class PublicTablesError extends Error {
  constructor(schema: string, versions: readonly number[]) {
    super(
      `the database's public schema holds this server's tables at migrations ${versions.join(', ')}, which only a newer server creates there; set DATABASE_SCHEMA=public to keep using them, or move them into ${schema} (ALTER TABLE public.<table> SET SCHEMA ${schema}) and start again`,
    )
    this.name = 'PublicTablesError'
  }
}

/**
 * Moves an app's tables from `public`, where servers before schemas per app kept them, into the
 * app's own schema, on its first start there: when `schema` has no tables yet and `public` has
 * ours. `ALTER TABLE ... SET SCHEMA` only rewrites the catalog (indexes, constraints and sequences
 * go along), so it takes milliseconds whatever the data. Servers starting together take turns
 * (the migration lock); the first moves, the others find the tables moved. Answers the tables
 * moved.
 */
export const adoptPublicTables = async (
  client: pg.ClientBase,
  schema: string,
): Promise<string[]> => {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    const { rows } = await client.query<{ here: string | null; legacy: string | null }>(
      'SELECT to_regclass($1) AS here, to_regclass($2) AS legacy',
      [`${schema}.schema_migrations`, 'public.schema_migrations'],
    )
    if (rows[0]?.here !== null || rows[0]?.legacy === null) {
      await client.query('COMMIT')
      return []
    }
    const applied = await client.query<{ version: number }>(
      'SELECT version FROM public.schema_migrations ORDER BY version',
    )
    const unknown = applied.rows
      .map((row) => Number(row.version))
      .filter((v) => !LEGACY_VERSIONS.has(v))
    if (unknown.length > 0) throw new PublicTablesError(schema, unknown)
    const present = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)",
      [LEGACY_TABLES],
    )
    const moved = present.rows.map((row) => row.tablename)
    for (const table of moved)
      await client.query(`ALTER TABLE public.${table} SET SCHEMA ${schema}`)
    await client.query('COMMIT')
    return moved
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}
