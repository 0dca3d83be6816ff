import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { spawnCli, type CliProcess } from '@react-custom-data/server/testing'

/** The app folder the scenarios serve: anonymous logins, functions, rules on app.notes. */
export const FUNCTIONS_APP_DIR = fileURLToPath(
  new URL('../../packages/server/fixtures/functions-app', import.meta.url),
)
export const FUNCTIONS_APP_ID = 'functions-app-abcde'

/** A `custom-data-server start` child process, as an operator runs it. */
export interface ServerProcess {
  readonly url: string
  readonly pid: number
  readonly cli: CliProcess
  /** True while the process runs. */
  alive(): boolean
  /** `kill -9`: no shutdown, no checkpoint, no lock release. */
  kill9(): Promise<void>
  /** SIGTERM, and waits for the exit code. */
  stop(): Promise<number | null>
  /** Resident memory (VmRSS), in MiB. */
  rssMiB(): number
  /** Open file descriptors (sockets, files, pipes). */
  openFiles(): number
}

export interface ServerOptions {
  readonly dataDir?: string
  readonly databaseUrl?: string
  /** A fixed port (to reach the server before it is ready); default a free one. */
  readonly port?: number
  readonly appDir?: string
  readonly env?: Record<string, string>
  /** Resolve as soon as the process is spawned, not when it says it listens. */
  readonly noWait?: boolean
}

// Every server started, so that a scenario cut short never leaves one running.
const started = new Set<CliProcess>()

/** Kills every server process still running (the suite's last step, whatever happened). */
export const killAllServers = (): void => {
  for (const cli of started) if (cli.child.exitCode === null) cli.child.kill('SIGKILL')
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms).unref(),
    ),
  ])

export const startServerProcess = async (options: ServerOptions): Promise<ServerProcess> => {
  const store = options.databaseUrl
    ? ['--database-url', options.databaseUrl]
    : ['--data', options.dataDir ?? ':memory:']
  const cli = spawnCli(
    [
      'start',
      '--app',
      options.appDir ?? FUNCTIONS_APP_DIR,
      '--port',
      String(options.port ?? 0),
      '--rate-limits',
      'off',
      '--log-level',
      'error',
      ...store,
    ],
    options.env ?? {},
  )
  started.add(cli)
  let exited = false
  void cli.exited.then(() => (exited = true))
  const url = options.noWait
    ? `http://127.0.0.1:${options.port ?? 0}`
    : await withTimeout(cli.listening(), 120_000, 'server start')
  const pid = cli.child.pid as number
  return {
    url,
    pid,
    cli,
    alive: () => !exited,
    async kill9() {
      cli.child.kill('SIGKILL')
      await cli.exited
    },
    async stop() {
      if (exited) return cli.exited
      cli.child.kill('SIGTERM')
      return withTimeout(cli.exited, 60_000, 'server stop')
    },
    openFiles: () => readdirSync(`/proc/${pid}/fd`).length,
    rssMiB() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      return kib / 1024
    },
  }
}
