import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { AppFolderError } from './appFolder/readJsonFile'
import { startServer } from './startServer'
import type { StoreOptions } from './store/openStore'

const USAGE = `Usage: custom-data-server start --app <folder> [options]

Options:
  --app <folder>           App Services app folder (realm_config.json, auth/, functions/)
  --port <n>               Port to listen on (default 8080; 0 picks a free port)
  --host <address>         Interface to listen on (default 127.0.0.1)
  --data <folder|:memory:> PGlite data folder (default :memory:)
  --database-url <url>     PostgreSQL instead of PGlite (or set DATABASE_URL)
  --log-level <level>      fatal, error, warn, info, debug, trace or silent (default info)
  -h, --help               Show this help
`

const fail = (message: string): never => {
  process.stderr.write(`custom-data-server: ${message}\n\n${USAGE}`)
  process.exit(2)
}

/** Runs the command line; resolves once the server listens. */
export const runCli = async (argv: readonly string[]): Promise<void> => {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        app: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'database-url': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    return fail((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  if (positionals[0] !== 'start')
    return fail(positionals[0] ? `unknown command "${positionals[0]}"` : 'missing command')
  if (!values.app) return fail('--app is required')
  const port = values.port === undefined ? 8080 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return fail(`--port must be 0-65535, got "${values.port}"`)

  if (values['database-url'] && values.data)
    return fail('use either --data or --database-url, not both')
  // A flag beats the environment: --data means PGlite even where DATABASE_URL is set.
  const databaseUrl = values['database-url'] ?? (values.data ? undefined : process.env.DATABASE_URL)
  const store: StoreOptions = databaseUrl
    ? { databaseUrl }
    : {
        dataDir: values.data
          ? values.data === ':memory:'
            ? ':memory:'
            : resolve(values.data)
          : ':memory:',
      }

  let running
  try {
    running = await startServer({
      appDir: resolve(values.app),
      store,
      port,
      host: values.host ?? process.env.HOST ?? '127.0.0.1',
      logLevel: (values['log-level'] ?? process.env.LOG_LEVEL ?? 'info') as 'info',
    })
  } catch (error) {
    const message =
      error instanceof AppFolderError
        ? error.message
        : `failed to start: ${(error as Error).message}`
    process.stderr.write(`custom-data-server: ${message}\n`)
    process.exit(1)
  }
  process.stdout.write(`custom-data-server listening on ${running.url}\n`)

  const shutdown = (signal: string) => {
    process.stdout.write(`custom-data-server: ${signal}, draining and stopping\n`)
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`custom-data-server: shutdown failed: ${(error as Error).message}\n`)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
}
