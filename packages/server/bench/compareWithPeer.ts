// `pnpm bench:server --compare`: our server on PostgreSQL and on PGlite against Better Auth (the
// most used self-hosted TypeScript auth framework) on the same PostgreSQL and the same Hono +
// @hono/node-server stack, scenario by scenario, with the ratios; beside them the ceiling of the
// stack (a bare Hono route) and the floor of one refresh in process (one primary-key read and one
// EdDSA signature). Every future change is judged against the peer in the same run.
import type { BenchRequest } from './BenchScenario'
import { startPeer } from './peer/startPeer'
import {
  banner,
  benchApp,
  loadScenarios,
  measureFloor,
  pgliteStore,
  postgresStore,
  rateText,
  run,
  startOurs,
  stopCli,
  targetFor,
  type Measured,
  type StoreUnderTest,
} from './runBench'

/** Our scenario and the peer's that does the same work for its user. */
const PAIRS = [
  { label: 'read custom data', ours: 'refresh', peer: 'get-session' },
  { label: 'write custom data', ours: 'writeCustomUserData', peer: 'update-user' },
  { label: 'password login', ours: 'password login', peer: 'sign-in/email' },
] as const

type Results = Map<string, Measured>

const ratio = (a: Measured | undefined, b: Measured | undefined): string =>
  a && b && !a.noise && !b.noise
    ? `${(a.perSecond / b.perSecond).toFixed(2)}x`
    : a && b
      ? `(${(a.perSecond / b.perSecond).toFixed(2)}x noise)`
      : '-'

export const compareWithPeer = async (): Promise<void> => {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('--compare needs DATABASE_URL: Better Auth runs on PostgreSQL')
  console.log(banner())
  const appDir = await benchApp()
  const scenarios = await loadScenarios()
  const ours = new Map<string, Results>()
  const floors = new Map<string, number>()
  const stores: StoreUnderTest[] = [postgresStore(databaseUrl), pgliteStore('sync')]
  for (const store of stores) {
    const results: Results = new Map()
    const { child, url, floorStore, cleanup } = await startOurs(store, appDir)
    try {
      try {
        const target = targetFor(url, 'preferences-demo', store.kind)
        for (const pair of PAIRS) {
          const scenario = scenarios.find((candidate) => candidate.name === pair.ours)
          if (!scenario?.prepare) throw new Error(`no scenario ${pair.ours}`)
          const requests = await scenario.prepare(target)
          results.set(pair.ours, await run(url, requests, `${store.kind} ${pair.ours}`, child.pid))
        }
      } finally {
        await stopCli(child)
      }
      floors.set(store.kind, await measureFloor(floorStore))
    } finally {
      await cleanup()
    }
    ours.set(store.kind, results)
  }
  const peerResults: Results = new Map()
  const peer = await startPeer(databaseUrl)
  try {
    const prepared: Record<string, () => Promise<readonly BenchRequest[]>> = {
      'get-session': () => peer.readSession(),
      'update-user': () => peer.updateUser(),
      'sign-in/email': () => peer.signIn(),
      bare: () => Promise.resolve(peer.bare()),
    }
    for (const [name, prepare] of Object.entries(prepared)) {
      peerResults.set(name, await run(peer.url, await prepare(), `Better Auth ${name}`, peer.pid))
    }
  } finally {
    await peer.stop()
  }

  const pg = ours.get('postgres')
  const lite = ours.get('pglite')
  const col = (text: string, width = 12) => text.padStart(width)
  console.log('\nreq/s (ratio = ours / Better Auth; * = measured above --max-load)')
  console.log(
    `${'scenario'.padEnd(20)}${col('ours pg')}${col('ours pglite')}${col('better auth')}${col('pg ratio')}${col('pglite ratio', 20)}  peer route`,
  )
  for (const pair of PAIRS) {
    const a = pg?.get(pair.ours)
    const b = lite?.get(pair.ours)
    const c = peerResults.get(pair.peer)
    console.log(
      `${pair.label.padEnd(20)}${a ? rateText(a, 12) : col('-')}${b ? rateText(b, 12) : col('-')}${c ? rateText(c, 12) : col('-')}${col(ratio(a, c))}${col(ratio(b, c), 20)}  ${pair.peer}`,
    )
  }
  const bare = peerResults.get('bare')
  const floorPg = floors.get('postgres') ?? Number.NaN
  const floorLite = floors.get('pglite') ?? Number.NaN
  console.log(`${'bare Hono ceiling'.padEnd(20)}${bare ? rateText(bare, 12) : col('-')}  req/s`)
  console.log(
    `${'in-process floor'.padEnd(20)}${col(floorPg.toFixed(0))}${col(floorLite.toFixed(0))}  reads+signs/s`,
  )
  const refreshPg = pg?.get('refresh')
  const refreshLite = lite?.get('refresh')
  if (refreshPg && refreshLite) {
    console.log(
      `refresh / floor: pg ${(refreshPg.perSecond / floorPg).toFixed(2)}, pglite ${(refreshLite.perSecond / floorLite).toFixed(2)} (goal: at least 0.50 on pg)`,
    )
    if (bare) {
      console.log(
        `refresh / bare Hono: pg ${(refreshPg.perSecond / bare.perSecond).toFixed(2)}, pglite ${(refreshLite.perSecond / bare.perSecond).toFixed(2)}`,
      )
    }
  }
  const noisy = [...(pg?.values() ?? []), ...(lite?.values() ?? []), ...peerResults.values()].some(
    (measured) => measured.noise,
  )
  if (noisy && !process.argv.includes('--allow-noise')) {
    console.log('Some scenarios ran above --max-load: their numbers are withheld (noise).')
    process.exitCode = 1
  }
}
