// `pnpm bench:server --compare`: our server on PostgreSQL and on PGlite against Better Auth (the
// most used self-hosted TypeScript auth framework) on the same PostgreSQL and the same Hono +
// @hono/node-server stack, scenario by scenario, with the ratios; beside them the ceiling of the
// stack (a bare Hono route) and the floor of one refresh in process (one primary-key read and one
// EdDSA signature). Every future change is judged against the peer in the same run.
//
// All servers run at once (idle but for the one measured) and are measured in turns, round after
// round (BENCH_ROUNDS, default 3), each figure the median of its rounds: a neighbour that loads
// the machine for a while slows them alike. `--baseline <checkout>` adds another checkout's
// server (the code before a change) to the turns, for a before/after in the same run.
import { join } from 'node:path'
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
} from './benchSupport'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

/** Our scenario and the peer's that does the same work for its user. */
const PAIRS = [
  { label: 'read custom data', ours: 'refresh', peer: 'get-session' },
  { label: 'write custom data', ours: 'writeCustomUserData', peer: 'update-user' },
  { label: 'password login', ours: 'password login', peer: 'sign-in/email' },
] as const

/** One server measured in the turns, with its requests for each pair. */
interface Contender {
  readonly name: string
  readonly url: string
  readonly pid: number | undefined
  readonly requests: Map<string, readonly BenchRequest[]>
  readonly results: Map<string, Measured[]>
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** The median rate of a contender's rounds; noise when any round was. */
const summary = (runs: readonly Measured[] | undefined): Measured | undefined => {
  if (!runs || runs.length === 0) return undefined
  const byRate = [...runs].sort((a, b) => a.perSecond - b.perSecond)
  const middle = byRate[Math.floor(byRate.length / 2)] as Measured
  return {
    ...middle,
    perSecond: median(runs.map((measured) => measured.perSecond)),
    noise: runs.some((measured) => measured.noise),
  }
}

const ratio = (a: Measured | undefined, b: Measured | undefined): string =>
  a && b ? `${(a.perSecond / b.perSecond).toFixed(2)}x${a.noise || b.noise ? '*' : ''}` : '-'

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}

export const compareWithPeer = async (): Promise<void> => {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('--compare needs DATABASE_URL: Better Auth runs on PostgreSQL')
  const baseline = flag('--baseline')
  console.log(`${banner()}, ${ROUNDS} rounds${baseline ? `, baseline ${baseline}` : ''}`)
  const appDir = await benchApp()
  const scenarios = await loadScenarios()
  const contenders: Contender[] = []
  const stops: (() => Promise<void>)[] = []
  const floorStores = new Map<string, Parameters<typeof measureFloor>[0]>()
  try {
    const stores: StoreUnderTest[] = [postgresStore(databaseUrl), pgliteStore('sync')]
    const builds = [
      ...(baseline ? [{ label: 'before', serverPackage: join(baseline, 'packages/server') }] : []),
      { label: baseline ? 'after' : 'ours', serverPackage: undefined },
    ]
    for (const store of stores) {
      for (const build of builds) {
        const started = await startOurs(store, appDir, build.serverPackage)
        stops.push(async () => {
          await stopCli(started.child)
          await started.cleanup()
        })
        if (!build.serverPackage) floorStores.set(store.kind, started.floorStore)
        const target = targetFor(started.url, 'preferences-demo', store.kind)
        const requests = new Map<string, readonly BenchRequest[]>()
        for (const pair of PAIRS) {
          const scenario = scenarios.find((candidate) => candidate.name === pair.ours)
          if (!scenario?.prepare) throw new Error(`no scenario ${pair.ours}`)
          requests.set(pair.label, await scenario.prepare(target))
        }
        contenders.push({
          name: `${build.label} ${store.kind}`,
          url: started.url,
          pid: started.child.pid,
          requests,
          results: new Map(),
        })
      }
    }
    const peer = await startPeer(databaseUrl)
    stops.push(() => peer.stop())
    contenders.push({
      name: 'Better Auth',
      url: peer.url,
      pid: peer.pid,
      requests: new Map([
        ['read custom data', await peer.readSession()],
        ['write custom data', await peer.updateUser()],
        ['password login', await peer.signIn()],
      ]),
      results: new Map(),
    })
    for (let round = 1; round <= ROUNDS; round += 1) {
      console.log(`round ${round} of ${ROUNDS}`)
      for (const pair of PAIRS) {
        for (const contender of contenders) {
          const requests = contender.requests.get(pair.label) as readonly BenchRequest[]
          const measured = await run(contender.url, requests, {
            label: `${contender.name} ${pair.label}`,
            serverPid: contender.pid,
          })
          const runs = contender.results.get(pair.label) ?? []
          runs.push(measured)
          contender.results.set(pair.label, runs)
        }
      }
    }
    const bare = await run(peer.url, peer.bare(), { label: 'bare Hono route', serverPid: peer.pid })
    // The floor in process: with every server stopped, so it competes with none of them.
    for (const stop of stops.splice(0).reverse()) await stop()
    const floors = new Map<string, number>()
    for (const [kind, options] of floorStores) floors.set(kind, await measureFloor(options))

    const peerOf = (label: string) =>
      summary(contenders.find((c) => c.name === 'Better Auth')?.results.get(label))
    const col = (text: string, width = 13) => text.padStart(width)
    console.log(`\nreq/s, median of ${ROUNDS} rounds (* = a round ran above --max-load: noise)`)
    for (const kind of ['postgres', 'pglite']) {
      const before = contenders.find((c) => c.name === `before ${kind}`)
      const after = contenders.find((c) => c.name === `${baseline ? 'after' : 'ours'} ${kind}`)
      console.log(`\n${kind}`)
      console.log(
        `${'scenario'.padEnd(20)}${baseline ? `${col('before')}${col('after')}${col('after/before')}` : col('ours')}${col('better auth')}${baseline ? col('before/BA') : ''}${col(baseline ? 'after/BA' : 'ours/BA')}`,
      )
      for (const pair of PAIRS) {
        const b = summary(before?.results.get(pair.label))
        const a = summary(after?.results.get(pair.label))
        const p = peerOf(pair.label)
        console.log(
          `${pair.label.padEnd(20)}${baseline ? `${b ? rateText(b, 13) : col('-')}` : ''}${a ? rateText(a, 13) : col('-')}${baseline ? col(ratio(a, b)) : ''}${p ? rateText(p, 13) : col('-')}${baseline ? col(ratio(b, p)) : ''}${col(ratio(a, p))}`,
        )
      }
      const floor = floors.get(kind) ?? Number.NaN
      const refresh = summary(after?.results.get('read custom data'))
      const refreshBefore = summary(before?.results.get('read custom data'))
      console.log(
        `in-process floor ${floor.toFixed(0)} reads+signs/s; refresh / floor: ${refresh ? (refresh.perSecond / floor).toFixed(2) : '-'}${refreshBefore ? ` (before ${(refreshBefore.perSecond / floor).toFixed(2)})` : ''}; refresh / bare Hono: ${refresh ? (refresh.perSecond / bare.perSecond).toFixed(3) : '-'}`,
      )
    }
    console.log(`\nbare Hono ceiling: ${rateText(bare).trim()} req/s`)
    const noisy = contenders.some((c) =>
      [...c.results.values()].some((runs) => runs.some((measured) => measured.noise)),
    )
    if (noisy && !process.argv.includes('--allow-noise')) {
      console.log('Some runs were above --max-load: their numbers are withheld (noise).')
      process.exitCode = 1
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
}
