import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadAppFolder } from '../../src/appFolder/loadAppFolder'
import type { AppConfig } from '../../src/appFolder/AppConfig'
import { createCollection } from '../../src/collection/createCollection'
import { createCollectionProvider } from '../../src/collection/createCollectionProvider'
import { ensureUserIdIndex } from '../../src/collection/userIdIndex'
import { createLogger } from '../../src/createLogger'
import { createChangeFeed, type ChangeFeed } from '../../src/feed/createChangeFeed'
import { createFunctionRuntime } from '../../src/functions/createFunctionRuntime'
import type { FunctionRunner } from '../../src/functions/FunctionRunner'
import type { Store } from '../../src/store/Store'
import { createTriggerRunner, type TriggerRunner } from '../../src/triggers/createTriggerRunner'
import type { BenchFigure, BenchScenario } from '../BenchScenario'
import { scratchStore } from '../scratchStore'

const demoApp = fileURLToPath(new URL('../../../../apps/demo/backend', import.meta.url))
const CONCURRENCY = 2 * availableParallelism()
const ROUNDS = 6
const TURN_SECONDS = Number(process.env.BENCH_DURATION ?? 5) / 5
const USERS = 16
const STEADY_RATE = 200
const STEADY_SECONDS = 10

/** The demo app with one database trigger on its custom-data collection (inserts and updates). */
const appWithTrigger = async (): Promise<{ dir: string; app: AppConfig }> => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-triggers-'))
  await cp(demoApp, dir, { recursive: true })
  const configPath = join(dir, 'functions', 'config.json')
  const config = JSON.parse(await readFile(configPath, 'utf8')) as unknown[]
  await writeFile(configPath, JSON.stringify([...config, { name: 'onPreferences', private: true }]))
  // A trigger function that reads what changed and does no I/O: what delivery itself costs.
  await writeFile(
    join(dir, 'functions', 'onPreferences.js'),
    'exports = async function (event) { return event.fullDocument ? Object.keys(event.fullDocument).length : 0 }',
  )
  await mkdir(join(dir, 'triggers'))
  const app = await loadAppFolder(dir)
  const custom = app.customUserData
  if (!custom) throw new Error('the demo app has no custom user data')
  await writeFile(
    join(dir, 'triggers', 'onPreferences.json'),
    JSON.stringify({
      name: 'onPreferences',
      type: 'DATABASE',
      config: {
        database: custom.databaseName,
        collection: custom.collectionName,
        operation_types: ['INSERT', 'UPDATE', 'REPLACE'],
        full_document: true,
      },
      event_processors: { FUNCTION: { config: { function_name: 'onPreferences' } } },
    }),
  )
  return { dir, app: await loadAppFolder(dir) }
}

interface Rig {
  readonly store: Store
  readonly feed: ChangeFeed
  readonly functions: FunctionRunner
  readonly triggers: TriggerRunner | null
  /** Trigger calls started: the event's write time and the call's start, in ms. */
  readonly starts: { written: number; started: number }[]
  dispose(): Promise<void>
}

/** A store, its feed and a function runtime as the server wires them; triggers running or not. */
const rigOf = async (
  kind: 'pglite' | 'postgres',
  app: AppConfig,
  withTriggers: boolean,
): Promise<Rig> => {
  const scratch = await scratchStore(kind)
  const { store } = scratch
  const custom = app.customUserData
  if (custom) await ensureUserIdIndex(store, custom.userIdField)
  const feed = createChangeFeed({ store })
  const values = {}
  const functions = await createFunctionRuntime({
    app,
    collections: createCollectionProvider({
      dataSources: app.dataSources,
      customData: app.customUserData,
      store,
      values,
      customDataMaxBytes: 16 * 1024,
      announce: () => feed.announce(),
    }),
    logger: createLogger('silent'),
    values,
  })
  const starts: Rig['starts'] = []
  // Notes when each trigger call starts, next to when its change was written.
  const timed: FunctionRunner = {
    has: (name) => functions.has(name),
    close: () => functions.close(),
    call(call) {
      const event = call.args[0] as { wallTime?: Date } | undefined
      if (event?.wallTime) starts.push({ written: event.wallTime.getTime(), started: Date.now() })
      return functions.call(call)
    },
  }
  const triggers = withTriggers
    ? await createTriggerRunner({
        store,
        feed,
        functions: timed,
        logger: createLogger('silent'),
        triggers: app.triggers,
      })
    : null
  return {
    store,
    feed,
    functions,
    triggers,
    starts,
    async dispose() {
      await triggers?.close()
      await feed.close()
      await functions.close()
      await scratch.dispose()
    },
  }
}

// Every write sets a value never written before: a write that changes nothing has no event.
let unique = 0

const writeCall = (functions: FunctionRunner, i: number) =>
  functions.call({
    name: 'writeCustomUserData',
    args: [{ favoriteFood: i % 2 ? 'pizza' : 'ramen', visits: (unique += 1) }],
    user: { id: `fn-${i % USERS}`, type: 'normal', data: {}, custom_data: {}, identities: [] },
  })

/** Completed calls per second of `run` with CONCURRENCY loops for `seconds`. */
const rateOf = async (run: (i: number) => Promise<unknown>, seconds: number): Promise<number> => {
  let done = 0
  const until = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      for (let i = loop; performance.now() < until; i += CONCURRENCY) {
        await run(i)
        done += 1
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}

/** Waits until the trigger has been called for every write so far (the backlog is gone). */
const drained = async (rig: Rig, writes: number): Promise<void> => {
  const end = Date.now() + 120_000
  while (rig.starts.length < writes) {
    if (Date.now() > end) throw new Error(`only ${rig.starts.length} of ${writes} delivered`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  )

/**
 * What a database trigger costs the writes it watches, and how soon it runs: the seed's
 * `writeCustomUserData` through the function runtime on a store without triggers and on one with
 * a database trigger on the custom-data collection (in turns; the trigger's backlog drained
 * between turns, not counted), then delivery latency from the write to the trigger function's
 * start at a steady 200 writes/s.
 */
export const scenario: BenchScenario = {
  name: 'triggers',
  unit: 'in process',
  order: 65,

  async inProcess(kind): Promise<BenchFigure[]> {
    const { dir, app } = await appWithTrigger()
    const plain = await rigOf(kind, app, false)
    const triggered = await rigOf(kind, app, true)
    try {
      const without: number[] = []
      const withTrigger: number[] = []
      let written = 0
      for (let round = 0; round < ROUNDS; round += 1) {
        without.push(await rateOf((i) => writeCall(plain.functions, i), TURN_SECONDS))
        const rate = await rateOf(async (i) => {
          await writeCall(triggered.functions, i)
          written += 1
        }, TURN_SECONDS)
        withTrigger.push(rate)
        await drained(triggered, written)
      }
      const costs = withTrigger.map(
        (rate, i) => ((without[i] as number) - rate) / (without[i] as number),
      )

      // Steady load: one write every 5 ms, each timed from its write to its trigger's start.
      const custom = app.customUserData as NonNullable<AppConfig['customUserData']>
      const docs = createCollection({
        store: triggered.store,
        db: custom.databaseName,
        coll: custom.collectionName,
        userIdField: custom.userIdField,
        announce: () => triggered.feed.announce(),
      })
      const before = triggered.starts.length
      const total = STEADY_RATE * STEADY_SECONDS
      const writes: Promise<unknown>[] = []
      const start = performance.now()
      for (let i = 0; i < total; i += 1) {
        const due = start + (i * 1000) / STEADY_RATE
        const wait = due - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        writes.push(
          docs.updateOne(
            { [custom.userIdField]: `steady-${i % USERS}` },
            { $set: { visits: i } },
            { upsert: true },
          ),
        )
      }
      await Promise.all(writes)
      await drained(triggered, before + total)
      const latencies = triggered.starts
        .slice(before)
        .map(({ written: at, started }) => started - at)
        .sort((a, b) => a - b)
      return [
        {
          label: 'fn write, no trigger',
          value: median(without),
          unit: `writes/s (writeCustomUserData via worker; medians of ${ROUNDS} turns)`,
        },
        {
          label: 'fn write, 1 trigger',
          value: median(withTrigger),
          unit: `writes/s with a database trigger on the collection: costs ${(median(costs) * 100).toFixed(1)} % (goal: at most 20 %)`,
        },
        {
          label: 'trigger latency p50',
          value: percentile(latencies, 50),
          unit: `ms from write to the function's start, ${STEADY_RATE} writes/s for ${STEADY_SECONDS} s`,
        },
        {
          label: 'trigger latency p99',
          value: percentile(latencies, 99),
          unit: 'ms (goal: under 100 ms)',
        },
      ]
    } finally {
      await triggered.dispose()
      await plain.dispose()
      await rm(dir, { recursive: true, force: true })
    }
  },
}
