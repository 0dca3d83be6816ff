// The server benchmark: `pnpm bench:server`. For each store (PGlite on a data folder, and
// PostgreSQL when DATABASE_URL is set) it starts the real CLI on a real port, runs every scenario of
// bench/scenarios/ with autocannon (2 connections per core), then measures the in-process floor:
// one primary-key read plus one token signature, in a loop. It prints one table per store.
//
// Flags (after `pnpm bench:server`):
//   --compare        the peer comparison instead (bench/compareWithPeer.ts): ours on PostgreSQL
//                    and PGlite against Better Auth on the same PostgreSQL, with ratios.
//   --baseline DIR   with --compare: also run the server of another checkout (its root, e.g. an
//                    export of main), interleaved round by round with this one: before/after.
//   --scale          the refresh lookup and the owner's write at 1k and 100k users, in process
//                    (bench/measureScale.ts; BENCH_SCALE_USERS; with --baseline, before/after).
//   --footprint      the embedded default's start time and idle RSS (bench/measureFootprint.ts).
//   --users N        seed N users (session + custom-data document each) before measuring.
//   --max-load X     the share of the machine (0-1) other processes may keep busy; above it a
//                    scenario's numbers are noise and not reported. Default 0.25 (BENCH_MAX_LOAD).
//   --allow-noise    report them anyway, marked, with the load they ran at (a shared machine).
import { pathToFileURL } from 'node:url'
import type { BenchFigure } from './BenchScenario'
import {
  COMPARE,
  banner,
  benchApp,
  loadScenarios,
  measureFloor,
  pgliteStore,
  postgresStore,
  printTable,
  run,
  startOurs,
  stopCli,
  targetFor,
  type Row,
  type StoreUnderTest,
} from './benchSupport'

const main = async () => {
  const stores: StoreUnderTest[] = [pgliteStore('sync'), pgliteStore('relaxed')]
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl) stores.push(postgresStore(databaseUrl))
  else console.log('notice: DATABASE_URL is not set; PostgreSQL is not measured.')
  const scenarios = await loadScenarios()
  const appDir = await benchApp()
  console.log(banner())
  for (const store of stores) {
    const { child, url, floorStore, cleanup } = await startOurs(store, appDir)
    try {
      const rows: Row[] = []
      const figures: BenchFigure[] = []
      try {
        const target = targetFor(url, 'preferences-demo', store.kind)
        for (const scenario of scenarios) {
          if (!scenario.prepare) continue
          const requests = await scenario.prepare(target)
          rows.push({
            name: scenario.name,
            unit: scenario.unit,
            ...(await run(url, requests, { label: scenario.name, serverPid: child.pid })),
          })
        }
      } finally {
        await stopCli(child)
      }
      // In-process figures run with the server stopped, so they do not compete for the CPU.
      for (const scenario of scenarios) {
        if (scenario.inProcess) figures.push(...(await scenario.inProcess(store.kind)))
      }
      printTable(store.label ?? store.kind, {
        rows,
        figures,
        floor: await measureFloor(floorStore),
      })
    } finally {
      await cleanup()
    }
  }
}

// Runs only as the entry point (tests and tools may import this module).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entry = COMPARE
    ? import('./compareWithPeer').then(({ compareWithPeer }) => compareWithPeer())
    : process.argv.includes('--footprint')
      ? import('./measureFootprint').then(({ measureFootprint }) => measureFootprint())
      : process.argv.includes('--scale')
        ? import('./measureScale').then(({ measureScale }) => measureScale())
        : main()
  entry.catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
