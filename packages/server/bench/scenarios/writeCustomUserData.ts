import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadAppFolder } from '../../src/appFolder/loadAppFolder'
import { createCollection } from '../../src/collection/createCollection'
import { createCollectionProvider } from '../../src/collection/createCollectionProvider'
import { ensureUserIdIndex } from '../../src/collection/userIdIndex'
import { createLogger } from '../../src/createLogger'
import { createChangeFeed } from '../../src/feed/createChangeFeed'
import {
  createFunctionRuntime,
  DEFAULT_FUNCTION_LIMITS,
} from '../../src/functions/createFunctionRuntime'
import type { FunctionUser } from '../../src/functions/FunctionRunner'
import { installedModulesApp } from '../../src/functions/modulesAppFixture'
import type { BenchFigure, BenchScenario } from '../BenchScenario'
import { scratchStore } from '../scratchStore'

const API = '/api/client/v2.0'
const NOOP = 'exports = function () { return null }\n'
const SLEEP = 'exports = (ms) => new Promise((resolve) => setTimeout(resolve, ms))\n'
const demoApp = fileURLToPath(new URL('../../../../apps/demo/backend', import.meta.url))
const ROUND_TRIPS = 2000
const WRITES = 500

const percentile = (samples: number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

/** Runs `fn` `count` times one after another and answers each run's time in ms. */
const timeEach = async (count: number, fn: (i: number) => Promise<unknown>): Promise<number[]> => {
  const samples: number[] = []
  for (let i = 0; i < count; i += 1) {
    const started = performance.now()
    await fn(i)
    samples.push(performance.now() - started)
  }
  return samples
}

const user = (id: string): FunctionUser => ({
  id,
  type: 'normal',
  data: {},
  custom_data: {},
  identities: [],
})

/**
 * `functions/call` of the seed's `writeCustomUserData` (upsert of the caller's own document, then
 * `X-Refreshed-Access-Token`), by 16 users whose requests alternate two payloads so that every
 * call really writes. In process, in the same run: the cost of one worker round trip (an empty
 * function), the same in a worker that has loaded npm packages (module loading must not slow a
 * call that loads nothing), the same write through the runtime without HTTP, the bare upsert
 * without a worker, and another user's round trip while one user runs all the slow calls it may.
 */
export const scenario: BenchScenario = {
  name: 'writeCustomUserData',
  unit: 'calls/s',
  order: 50,
  async prepare(target) {
    const logins = await Promise.all(Array.from({ length: 16 }, () => target.anonymousLogin()))
    return logins.flatMap((login) =>
      ['pizza', 'ramen'].map((favoriteFood) => ({
        method: 'POST' as const,
        path: `${API}/app/${target.appId}/functions/call`,
        headers: {
          authorization: `Bearer ${login.access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: 'writeCustomUserData',
          arguments: [{ favoriteFood, visits: { $numberInt: '1' } }],
        }),
      })),
    )
  },

  async inProcess(kind): Promise<BenchFigure[]> {
    const appDir = await mkdtemp(join(tmpdir(), 'bench-fn-'))
    await cp(demoApp, appDir, { recursive: true })
    await writeFile(join(appDir, 'functions', 'benchNoop.js'), NOOP)
    await writeFile(join(appDir, 'functions', 'benchSleep.js'), SLEEP)
    const modulesApp = await installedModulesApp('node_modules')
    await writeFile(join(modulesApp.dir, 'functions', 'benchNoop.js'), NOOP)
    const { store, dispose } = await scratchStore(kind)
    const app = await loadAppFolder(appDir)
    const custom = app.customUserData
    if (!custom) throw new Error('the demo app has no custom user data')
    await ensureUserIdIndex(store, custom.userIdField)
    const values = {}
    // Wired as the server wires it: the change feed's readers woken after each commit.
    const feed = createChangeFeed({ store })
    const collections = createCollectionProvider({
      dataSources: app.dataSources,
      customData: custom,
      store,
      values,
      customDataMaxBytes: 16 * 1024,
      announce: () => feed.announce(),
    })
    const logger = createLogger('silent')
    const runtime = await createFunctionRuntime({ app, collections, logger, values })
    const withModules = await createFunctionRuntime({
      app: await loadAppFolder(modulesApp.dir),
      collections,
      logger,
      values,
    })
    try {
      const noop = (on: typeof runtime, id: string) =>
        on.call({ name: 'benchNoop', args: [], user: user(id) })
      await timeEach(200, () => noop(runtime, 'warm'))
      // Sequential calls of one user all run on the first worker: load the packages there.
      await timeEach(20, () => withModules.call({ name: 'importForms', args: [], user: user('w') }))
      await timeEach(200, () => noop(withModules, 'warm'))
      // The two runtimes in turns, so that both see the same machine.
      const roundTrips: number[] = []
      const loadedRoundTrips: number[] = []
      for (let round = 0; round < 4; round += 1) {
        roundTrips.push(...(await timeEach(ROUND_TRIPS / 4, () => noop(runtime, 'noop'))))
        loadedRoundTrips.push(...(await timeEach(ROUND_TRIPS / 4, () => noop(withModules, 'noop'))))
      }
      const viaWorker = await timeEach(WRITES, (i) =>
        runtime.call({
          name: 'writeCustomUserData',
          args: [{ favoriteFood: i % 2 ? 'pizza' : 'ramen' }],
          user: user(`worker-${i % 16}`),
        }),
      )
      const direct = createCollection({
        store,
        db: custom.databaseName,
        coll: custom.collectionName,
        userIdField: custom.userIdField,
        announce: () => feed.announce(),
      })
      const bare = await timeEach(WRITES, (i) =>
        direct.updateOne(
          { [custom.userIdField]: `direct-${i % 16}` },
          { $set: { favoriteFood: i % 2 ? 'pizza' : 'ramen' } },
          { upsert: true },
        ),
      )
      // Fairness: one user runs as many slow calls as it may (10, each 3 s); another user's
      // calls meanwhile, against the same calls with the pool idle.
      const saturating = Array.from(
        { length: DEFAULT_FUNCTION_LIMITS.maxConcurrentCallsPerUser },
        () => runtime.call({ name: 'benchSleep', args: [3000], user: user('greedy') }),
      )
      const othersFirst = await timeEach(1, () => noop(runtime, 'other'))
      const othersWhileBusy = await timeEach(200, () => noop(runtime, 'other'))
      await Promise.all(saturating)
      const p50 = percentile(roundTrips, 0.5)
      return [
        { label: 'worker round trip', value: p50, unit: 'ms p50 (empty function, no HTTP)' },
        { label: '  p99', value: percentile(roundTrips, 0.99), unit: 'ms' },
        {
          label: '  packages loaded',
          value: percentile(loadedRoundTrips, 0.5),
          unit: `ms p50, ${(percentile(loadedRoundTrips, 0.5) / p50).toFixed(2)}x (the same call, its worker holding npm packages)`,
        },
        {
          label: 'write via worker',
          value: percentile(viaWorker, 0.5),
          unit: 'ms p50 (writeCustomUserData, no HTTP)',
        },
        {
          label: 'write, no worker',
          value: percentile(bare, 0.5),
          unit: 'ms p50 (the same upsert, direct)',
        },
        {
          label: 'fair share',
          value: percentile(othersWhileBusy, 0.5),
          unit: `ms p50, ${(percentile(othersWhileBusy, 0.5) / p50).toFixed(2)}x idle (another user's calls while one runs ${DEFAULT_FUNCTION_LIMITS.maxConcurrentCallsPerUser} calls of 3 s)`,
        },
        {
          label: '  first call',
          value: othersFirst[0] ?? Number.NaN,
          unit: 'ms (the first of them)',
        },
      ]
    } finally {
      await runtime.close()
      await withModules.close()
      await feed.close()
      await dispose()
      await rm(appDir, { recursive: true, force: true })
      await modulesApp.remove()
    }
  },
}
