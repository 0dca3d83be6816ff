import type { Store } from './Store'
import { migrations as allMigrations, type Migration } from './migrations'

// Any constant works; it only has to be the same in every server process sharing a database
// (it is per database, not per schema: apps sharing a database migrate one after the other).
export const MIGRATION_LOCK_KEY = 7_310_442

/**
 * Brings the schema up to date. Several servers may start at once against one PostgreSQL
 * database, so the whole run holds an advisory lock and re-reads the applied versions under it.
 */
export const migrate = async (
  store: Store,
  migrations: readonly Migration[] = allMigrations,
): Promise<number[]> =>
  store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    await tx.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
    const applied = new Set(rows.map((row) => Number(row.version)))
    const ran: number[] = []
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
      ran.push(migration.version)
    }
    return ran
  })
