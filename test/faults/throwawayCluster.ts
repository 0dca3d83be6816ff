import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from './freePort'

/**
 * A PostgreSQL cluster of the suite's own: `initdb` into a temporary folder, listening on
 * 127.0.0.1 on a free port, so stopping and restarting it disturbs nothing else on the machine
 * (the machine's own cluster is never touched).
 */
export interface ThrowawayCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly port: number
  /** Stops the server (`pg_ctl stop -m fast`): connections end, new ones are refused. */
  stop(): void
  /** Starts it again, waiting until it accepts connections. */
  start(): void
  /** Stops it and deletes its folder. */
  destroy(): void
}

/** The folder of initdb and pg_ctl: PATH first, then Debian's /usr/lib/postgresql/<n>/bin. */
const binDir = (): string => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0]) return join(root, versions[0], 'bin')
  throw new Error(
    'initdb and pg_ctl were not found (PATH, /usr/lib/postgresql/*/bin): the fault suite needs a PostgreSQL server installation',
  )
}

/** initdb refuses to run as root: as root, PostgreSQL's tools run as the postgres user. */
const asOwner = (command: string, args: string[]): [string, string[]] =>
  userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]

export const createThrowawayCluster = async (): Promise<ThrowawayCluster> => {
  const bin = binDir()
  const root = mkdtempSync(join(tmpdir(), 'faults-pg-'))
  const dataDir = join(root, 'data')
  const log = join(root, 'server.log')
  if (userInfo().uid === 0) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim()
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim()
    chownSync(root, Number(ids), Number(gid))
  }
  const run = (command: string, args: string[]) => {
    const [file, argv] = asOwner(join(bin, command), args)
    return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c max_connections=200`
  const start = () =>
    run('pg_ctl', ['-D', dataDir, '-l', log, '-o', options, '-w', '-t', '60', 'start'])
  const stop = () => {
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'])
    } catch {
      // Already stopped.
    }
  }
  start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    destroy() {
      stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}
