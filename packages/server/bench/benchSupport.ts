// What the server benchmark's entry points share (bench/runBench.ts, compareWithPeer.ts,
// measureScale.ts, measureFootprint.ts): flags, the CLI server under test, stores, autocannon runs,
// the in-process floor and the printed tables.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { createTokenService } from '../src/auth/createTokenService'
import { openSession } from '../src/auth/sessions'
import { createUser } from '../src/auth/users'
import { systemClock } from '../src/Clock'
import { createLogger } from '../src/createLogger'
import { openStore, type StoreOptions } from '../src/store/openStore'
import type { BenchFigure, BenchRequest, BenchScenario, BenchTarget } from './BenchScenario'
import { describeLoad, sampleLoad, type MachineLoad } from './machineLoad'
import { seedUsers } from './seedUsers'

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}
export const COMPARE = process.argv.includes('--compare')
export const ALLOW_NOISE = process.argv.includes('--allow-noise')
export const MAX_LOAD = Number(flag('--max-load') ?? process.env.BENCH_MAX_LOAD ?? 0.25)
export const SEED_USERS = Number(flag('--users') ?? process.env.BENCH_USERS ?? 0)
export const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 5)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2 * availableParallelism())
const API = '/api/client/v2.0'
const bin = fileURLToPath(new URL('../bin/custom-data-server.js', import.meta.url))
const demoApp = fileURLToPath(new URL('../../../apps/demo/backend', import.meta.url))

export interface Measured {
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
  readonly failed: number
  /** The machine's load just before. */
  readonly load: MachineLoad
  /** Other processes kept more of the machine busy than `--max-load`: the figures mean little. */
  readonly noise: boolean
}

export interface Row extends Measured {
  readonly name: string
  readonly unit: string
}

/** The demo app with email/password added (confirmed at once), so logins can be measured. */
export const benchApp = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-app-'))
  await cp(demoApp, dir, { recursive: true })
  await writeFile(
    join(dir, 'auth', 'providers.json'),
    JSON.stringify({
      'anon-user': { name: 'anon-user', type: 'anon-user' },
      'local-userpass': {
        name: 'local-userpass',
        type: 'local-userpass',
        config: { autoConfirm: true },
      },
    }),
  )
  return dir
}

export const loadScenarios = async (): Promise<BenchScenario[]> => {
  const folder = fileURLToPath(new URL('./scenarios/', import.meta.url))
  const files = (await readdir(folder)).filter((file) => /\.[cm]?[jt]s$/.test(file)).sort()
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim())
  const scenarios: BenchScenario[] = []
  for (const file of files) {
    const module = (await import(pathToFileURL(join(folder, file)).href)) as {
      scenario?: BenchScenario
    }
    if (!module.scenario) throw new Error(`bench/scenarios/${file} must export a "scenario"`)
    if (!only || only.includes(module.scenario.name)) scenarios.push(module.scenario)
  }
  return scenarios.sort((a, b) => (a.order ?? 100) - (b.order ?? 100))
}

export const startCli = (
  args: string[],
  cli = bin,
): Promise<{ child: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DATABASE_URL: '' },
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1]) resolve({ child, url: match[1] })
    })
    child.once('exit', (code) => reject(new Error(`server exited ${code} before listening`)))
  })

export const stopCli = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })

export const targetFor = (
  url: string,
  appId: string,
  storeKind: BenchTarget['storeKind'],
): BenchTarget => {
  let seq = 0
  const post: BenchTarget['post'] = async <T>(path: string, body?: unknown, token?: string) => {
    const response = await fetch(`${url}${API}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body ?? {}),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`)
    return (text ? JSON.parse(text) : null) as T
  }
  return {
    url,
    appId,
    storeKind,
    post,
    anonymousLogin: () => post(`/app/${appId}/auth/providers/anon-user/login`),
    async passwordUser() {
      const email = `bench-${process.pid}-${++seq}@example.com`
      const password = 'bench password 1'
      await post(`/app/${appId}/auth/providers/local-userpass/register`, { email, password })
      return { email, password }
    },
  }
}

/** Samples the machine, says so, then runs `requests` against `url` for the set duration. */
export const run = async (
  url: string,
  requests: readonly BenchRequest[],
  { label = '', serverPid }: { label?: string; serverPid?: number | undefined } = {},
): Promise<Measured> => {
  const load = await sampleLoad(serverPid === undefined ? [] : [serverPid])
  const noise = load.busy > MAX_LOAD
  console.log(
    `  load before ${label || url}: ${describeLoad(load)}${noise ? ` (above --max-load ${MAX_LOAD}: noise)` : ''}`,
  )
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    requests: requests.map((request) => ({ ...request, headers: { ...request.headers } })),
  })
  return {
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    load,
    noise,
  }
}

/** A rate as printed: the number, `noise` instead when it is (unless --allow-noise, then marked). */
export const rateText = (measured: Pick<Measured, 'perSecond' | 'noise'>, width = 9): string =>
  (measured.noise
    ? ALLOW_NOISE
      ? `${measured.perSecond.toFixed(0)}*`
      : 'noise'
    : measured.perSecond.toFixed(0)
  ).padStart(width)

/**
 * The floor: what one refresh cannot go below, done in process with no HTTP: one primary-key read
 * of a session and one access-token signature, in as many parallel loops as autocannon has
 * connections.
 */
export const measureFloor = async (options: StoreOptions): Promise<number> => {
  const store = await openStore(options)
  try {
    const tokens = await createTokenService({
      store,
      appId: 'bench',
      issuer: 'bench',
      clock: systemClock,
      logger: createLogger('silent'),
    })
    const { userId } = await createUser(store, systemClock, {
      providerType: 'anon-user',
      providerId: 'anon-user',
      externalId: randomBytes(8).toString('hex'),
    })
    const { sessionId } = await openSession(store, systemClock, {
      userId,
      identityId: null,
      deviceId: '0'.repeat(24),
      lifetime: 3600,
      rotating: false,
      anonymous: true,
    })
    let done = 0
    const until = performance.now() + DURATION_SECONDS * 1000
    const loop = async () => {
      while (performance.now() < until) {
        const [row] = await store.query<{ id: string; user_id: string; device_id: string }>(
          'SELECT id, user_id, device_id FROM sessions WHERE id = $1',
          [sessionId],
        )
        await tokens.signAccessToken({
          userId: row!.user_id,
          sessionId: row!.id,
          deviceId: row!.device_id,
          userData: undefined,
        })
        done++
      }
    }
    const started = performance.now()
    await Promise.all(Array.from({ length: CONNECTIONS }, loop))
    return done / ((performance.now() - started) / 1000)
  } finally {
    await store.close()
  }
}

const fmt = (value: number, digits = 0) => value.toFixed(digits).padStart(9)

export const printTable = (
  kind: string,
  result: { rows: readonly Row[]; figures: readonly BenchFigure[]; floor: number },
) => {
  const { rows, figures, floor } = result
  console.log(`\n${kind}: ${CONNECTIONS} connections, ${DURATION_SECONDS} s per scenario`)
  console.log(
    `${'scenario'.padEnd(20)}${'rate'.padStart(9)}  ${'unit'.padEnd(16)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'failed'.padStart(9)}`,
  )
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(20)}${rateText(row)}  ${row.unit.padEnd(16)}${fmt(row.p50, 1)}${fmt(row.p99, 1)}${fmt(row.failed)}  ${describeLoad(row.load)}`,
    )
  }
  console.log(`${'floor (in process)'.padEnd(20)}${fmt(floor)}  ${'reads+signs/s'.padEnd(16)}`)
  for (const figure of figures) {
    console.log(`${figure.label.padEnd(20)}${fmt(figure.value, 3)}  ${figure.unit}`)
  }
  const refresh = rows.find((row) => row.name === 'refresh')
  if (refresh) {
    const ratio = refresh.perSecond / floor
    console.log(`refresh / floor = ${ratio.toFixed(2)} (goal: at least 0.50)`)
  }
}

export interface StoreUnderTest {
  readonly kind: 'pglite' | 'postgres'
  /** The table's title, when it is not the kind alone. */
  readonly label?: string
  /** The CLI flags and the in-process store options for this store; cleanup afterwards. */
  setup(): Promise<{
    flags: string[]
    floorStore: StoreOptions
    /** The server's own store, for `--users` to seed before it starts. */
    serverStore: StoreOptions
    cleanup: () => Promise<void>
  }>
}

/** A PGlite data folder; `sync` (the default) fsyncs each commit, `relaxed` never does. */
export const pgliteStore = (durability: 'sync' | 'relaxed'): StoreUnderTest => ({
  kind: 'pglite',
  label: `pglite (durability ${durability})`,
  async setup() {
    const root = await mkdtemp(join(tmpdir(), 'bench-data-'))
    return {
      flags: ['--data', join(root, 'server'), '--durability', durability],
      floorStore: { dataDir: join(root, 'floor'), durability },
      serverStore: { dataDir: join(root, 'server'), durability },
      cleanup: () => rm(root, { recursive: true, force: true }),
    }
  },
})

// Both durabilities in one run, so their ratio is measured on the same machine at the same time.
export const postgresStore = (databaseUrl: string): StoreUnderTest => ({
  kind: 'postgres',
  async setup() {
    const schema = `bench_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}`)
    await admin.end()
    return {
      flags: ['--database-url', databaseUrl, '--database-schema', schema],
      floorStore: { databaseUrl, schema },
      serverStore: { databaseUrl, schema },
      async cleanup() {
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        await client.end()
      },
    }
  },
})

/** The demo app's custom-data collection, where `--users` puts its documents. */
export const SEED_WHERE = {
  db: 'custom-user-data-database',
  coll: 'custom-user-data',
  userIdField: 'userId',
}

/** Starts the CLI on `store` (seeded with `SEED_USERS` first), answers it and its cleanup. */
/**
 * Starts the CLI on `store` (seeded with `SEED_USERS` first), answers it and its cleanup.
 * `serverPackage`: another checkout's packages/server (`--baseline`), whose own CLI and
 * migrations are used, so that it runs as it was.
 */
export const startOurs = async (store: StoreUnderTest, appDir: string, serverPackage?: string) => {
  const { flags, floorStore, serverStore, cleanup } = await store.setup()
  const open: typeof openStore = serverPackage
    ? (
        (await import(pathToFileURL(join(serverPackage, 'src/store/openStore.ts')).href)) as {
          openStore: typeof openStore
        }
      ).openStore
    : openStore
  if (SEED_USERS > 0) {
    const seeding = await open(serverStore)
    try {
      await seedUsers(seeding, SEED_USERS, SEED_WHERE)
    } finally {
      await seeding.close()
    }
  }
  const { child, url } = await startCli(
    [
      'start',
      '--app',
      appDir,
      '--port',
      '0',
      ...flags,
      '--rate-limits',
      'off',
      '--log-level',
      'warn',
    ],
    serverPackage ? join(serverPackage, 'bin/custom-data-server.js') : bin,
  )
  return { child, url, floorStore, cleanup }
}

export const banner = (): string =>
  `custom-data-server bench: ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, node ${process.version}, ${new Date().toISOString()}, ${CONNECTIONS} connections, ${DURATION_SECONDS} s per scenario, ${SEED_USERS} seeded users, --max-load ${MAX_LOAD}${ALLOW_NOISE ? ' --allow-noise' : ''}`
