import { resolve } from 'node:path'
import { AppFolderError } from '../appFolder/readJsonFile'
import { SigningKeyError } from '../auth/signingKeys'
import { PublicTablesError } from '../store/adoptPublicTables'
import { DataDirLockedError } from '../store/lockDataDir'
import type { StoreOptions } from '../store/openStore'

/** Thrown by `fail`: a usage mistake, answered with the message and the usage text, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Stops the command with a usage mistake (exit 2, the message and the usage text). */
export const fail = (message: string): never => {
  throw new UsageError(message)
}

/** Options every command that opens an app folder or the store understands. */
export const STORE_OPTIONS = {
  app: { type: 'string' },
  data: { type: 'string' },
  'database-url': { type: 'string' },
  'database-schema': { type: 'string' },
  durability: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The usage lines of `STORE_OPTIONS`, for the help text. */
export const STORE_OPTIONS_USAGE = `  --app <folder>                 App Services app folder                        APP_DIR
  --data <folder|:memory:>       PGlite data folder (default :memory:)          DATA_DIR
  --database-url <url>           PostgreSQL instead of PGlite                   DATABASE_URL
  --database-schema <name>       PostgreSQL schema of the tables                DATABASE_SCHEMA
                                 (default app_<app id>: one per app)
  --durability <sync|relaxed>    PGlite: fsync each commit (sync, default) or   DURABILITY
                                 not (relaxed: faster, lost on an OS crash)`

/** An environment variable, with "" read as unset. */
export const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

/** An integer flag within bounds, or a usage error naming it. */
export const integer = (
  label: string,
  text: string | undefined,
  bounds: readonly [number, number],
): number | undefined => {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < bounds[0] || value > bounds[1]) {
    return fail(`${label} must be an integer from ${bounds[0]} to ${bounds[1]}, got "${text}"`)
  }
  return value
}

/** The app folder from --app or APP_DIR, resolved; a usage error without one. */
export const appDirOf = (values: { readonly app?: string | undefined }): string => {
  const appDir = values.app ?? env('APP_DIR')
  return appDir ? resolve(appDir) : fail('--app is required')
}

/** Where the data lives, from --data / --database-url / DATA_DIR / DATABASE_URL. */
export const storeOptionsOf = (values: {
  readonly data?: string | undefined
  readonly 'database-url'?: string | undefined
  readonly 'database-schema'?: string | undefined
  readonly durability?: string | undefined
}): StoreOptions => {
  if (values['database-url'] && values.data) fail('use either --data or --database-url, not both')
  // A flag beats the environment: --data means PGlite even where DATABASE_URL is set.
  const databaseUrl = values['database-url'] ?? (values.data ? undefined : env('DATABASE_URL'))
  if (databaseUrl) {
    const schema = values['database-schema'] ?? env('DATABASE_SCHEMA')
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      fail(`--database-schema must be lowercase letters, digits and _, got "${schema}"`)
    }
    return { databaseUrl, ...(schema ? { schema } : {}) }
  }
  const durability = values.durability ?? env('DURABILITY')
  if (durability !== undefined && durability !== 'sync' && durability !== 'relaxed') {
    fail(`--durability must be sync or relaxed, got "${durability}"`)
  }
  const data = values.data ?? env('DATA_DIR') ?? ':memory:'
  return {
    dataDir: data === ':memory:' ? ':memory:' : resolve(data),
    ...(durability ? { durability: durability as 'sync' | 'relaxed' } : {}),
  }
}

/** Explains a start-up failure in one line and exits 1: no stack for a configuration mistake. */
export const exitWithStartupError = (error: unknown): never => {
  const known =
    error instanceof AppFolderError ||
    error instanceof SigningKeyError ||
    error instanceof DataDirLockedError ||
    error instanceof PublicTablesError
  const message = known ? error.message : `failed to start: ${(error as Error).message}`
  process.stderr.write(`custom-data-server: ${message}\n`)
  process.exit(1)
}

/** Writes one line to standard output. */
export const print = (line: string): void => {
  process.stdout.write(`${line}\n`)
}
