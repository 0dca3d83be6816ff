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
import { createFunctionRuntime } from '../../src/functions/createFunctionRuntime'
import type { FunctionUser } from '../../src/functions/FunctionRunner'
import type { BenchFigure, BenchScenario } from '../BenchScenario'
import { scratchStore } from '../scratchStore'

const API = '/api/client/v2.0'
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

/**
 * `functions/call` of the seed's `writeCustomUserData` (upsert of the caller's own document, then
 * `X-Refreshed-Access-Token`), by 16 users whose requests alternate two payloads so that every
 * call really writes. In process, in the same run: the cost of one worker round trip (an empty
 * function), the same write through the runtime without HTTP, and the bare upsert without a worker.
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
    await writeFile(
      join(appDir, 'functions', 'benchNoop.js'),
      'exports = function () { return null }\n',
    )
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
    const runtime = await createFunctionRuntime({
      app,
      collections,
      logger: createLogger('silent'),
      values,
    })
    try {
      const user = (id: string): FunctionUser => ({
        id,
        type: 'normal',
        data: {},
        custom_data: {},
        identities: [],
      })
      await timeEach(200, () => runtime.call({ name: 'benchNoop', args: [], user: user('warm') }))
      const roundTrips = await timeEach(ROUND_TRIPS, () =>
        runtime.call({ name: 'benchNoop', args: [], user: user('noop') }),
      )
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
      return [
        {
          label: 'worker round trip',
          value: percentile(roundTrips, 0.5),
          unit: 'ms p50 (empty function, no HTTP)',
        },
        { label: '  p99', value: percentile(roundTrips, 0.99), unit: 'ms' },
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
      ]
    } finally {
      await runtime.close()
      await feed.close()
      await dispose()
      await rm(appDir, { recursive: true, force: true })
    }
  },
}
