import { cp, mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadAppFolder } from '../../src/appFolder/loadAppFolder'
import { createCollection } from '../../src/collection/createCollection'
import { createCollectionProvider } from '../../src/collection/createCollectionProvider'
import { fromStored, toStored } from '../../src/collection/documentCodec'
import { ensureUserIdIndex } from '../../src/collection/userIdIndex'
import { createLogger } from '../../src/createLogger'
import { createFunctionRuntime } from '../../src/functions/createFunctionRuntime'
import { createChangeFeed, type ChangeFeed } from '../../src/feed/createChangeFeed'
import type { FunctionRunner } from '../../src/functions/FunctionRunner'
import type { Queryable, Store } from '../../src/store/Store'
import type { BenchFigure, BenchScenario } from '../BenchScenario'
import { compareRates, costPercent, cpuCostPercent, medianOf } from '../compareRates'
import { scratchStore } from '../scratchStore'

const demoApp = fileURLToPath(new URL('../../../../apps/demo/backend', import.meta.url))
const CONCURRENCY = 2 * availableParallelism()
// Short turns, many rounds: the load of a shared machine changes from second to second.
const ROUNDS = 8
const SECONDS = Number(process.env.BENCH_DURATION ?? 5) / 10
const USERS = 16

/** A custom-data document of the size apps keep (about 300 bytes of JSON). */
const profile = (userId: string, i: number) => ({
  userId,
  favoriteFood: i % 2 ? 'pizza' : 'ramen',
  theme: { mode: i % 3 ? 'dark' : 'light', accent: '#3366ff', fontScale: 1.1 },
  visits: i,
  plan: 'free',
  tags: ['early-adopter', 'newsletter', 'beta'],
  updatedAt: new Date(1_700_000_000_000 + i),
  notes: 'likes to keep the preferences panel open on the left side of the screen',
})

/** The store without the change feed: its triggers on `documents` dropped. */
const dropFeed = (store: Queryable) =>
  store.exec(`
    DROP TRIGGER documents_change_feed ON documents;
    DROP TRIGGER documents_change_feed_update ON documents;
    DROP TRIGGER documents_forget_text ON documents;`)

/**
 * The other design, for comparison: no trigger, and the write path appends the event itself,
 * one more statement in the write's transaction (its readers woken after commit, as with the
 * trigger).
 */
const appendingInPath = (store: Store): Store => ({
  ...store,
  transaction: (fn) =>
    store.transaction((tx) =>
      fn({
        ...tx,
        query: async <TRow>(sql: string, params?: readonly unknown[]) => {
          const rows = await tx.query<TRow>(sql, params)
          const write = /^\s*(INSERT INTO|UPDATE) documents/.exec(sql)
          if (write && params) {
            await tx.query(
              `INSERT INTO change_events (db, coll, doc_id, op, before_text, after_text)
               VALUES ($1, $2, $3, $5, $4, $4)`,
              [
                params[0],
                params[1],
                params[2],
                params[3],
                write[1] === 'UPDATE' ? 'update' : 'insert',
              ],
            )
          }
          return rows
        },
      }),
    ),
})

interface ExplainRow {
  readonly 'QUERY PLAN': readonly {
    readonly 'Execution Time': number
    readonly Triggers?: readonly {
      readonly 'Trigger Name': string
      readonly Time: number
      readonly Calls: number
    }[]
  }[]
}

/**
 * The database's own time for an UPDATE of the custom-data documents the upserts left, per row,
 * and the feed trigger's per event (EXPLAIN ANALYZE, median of 15): figures a busy neighbour
 * hardly moves, unlike rates.
 */
const triggerTime = async (
  store: Store,
  custom: { databaseName: string; collectionName: string },
): Promise<{ update: number; trigger: number }> => {
  const updates: number[] = []
  const triggers: number[] = []
  const [counted] = await store.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM documents WHERE db = $1 AND coll = $2',
    [custom.databaseName, custom.collectionName],
  )
  const rows = Math.max(1, counted?.n ?? 1)
  for (let i = 0; i < 15; i += 1) {
    const [row] = await store.query<ExplainRow>(
      `EXPLAIN (ANALYZE, FORMAT JSON)
       UPDATE documents SET doc = jsonb_set(doc, '{visits}', to_jsonb(random())), doc_text = doc_text || ' '
        WHERE db = $1 AND coll = $2`,
      [custom.databaseName, custom.collectionName],
    )
    const plan = row?.['QUERY PLAN'][0]
    const feed = plan?.Triggers?.find((t) => t['Trigger Name'] === 'documents_change_feed_update')
    const triggerMs = feed?.Time ?? 0
    updates.push((((plan?.['Execution Time'] ?? Number.NaN) - triggerMs) * 1000) / rows)
    triggers.push((triggerMs * 1000) / rows)
  }
  const median = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
  return { update: median(updates), trigger: median(triggers) }
}

const runtimeOn = async (
  store: Store,
  appDir: string,
  feed: ChangeFeed | undefined,
): Promise<FunctionRunner> => {
  const app = await loadAppFolder(appDir)
  const values = {}
  return createFunctionRuntime({
    app,
    collections: createCollectionProvider({
      dataSources: app.dataSources,
      customData: app.customUserData,
      store,
      values,
      customDataMaxBytes: 16 * 1024,
      // As the server wires it: readers woken after commit.
      ...(feed ? { announce: () => feed.announce() } : {}),
    }),
    logger: createLogger('silent'),
    values,
  })
}

/**
 * What the change feed and the written field order cost, measured in process in the same run,
 * variants in turns: the seed's `writeCustomUserData` through the function runtime on a store
 * with the feed and on one without (its triggers dropped); the same upsert through the
 * collection API with the feed's trigger, without any feed, and with the event appended by the
 * write path instead; and the written field order (doc_text beside the jsonb) for writes and
 * reads of a custom-data document.
 */
export const scenario: BenchScenario = {
  name: 'changeFeed',
  unit: 'in process',
  order: 60,

  async inProcess(kind): Promise<BenchFigure[]> {
    const appDir = await mkdtemp(join(tmpdir(), 'bench-feed-'))
    await cp(demoApp, appDir, { recursive: true })
    const withFeed = await scratchStore(kind)
    const without = await scratchStore(kind)
    await dropFeed(without.store)
    const app = await loadAppFolder(appDir)
    const custom = app.customUserData
    if (!custom) throw new Error('the demo app has no custom user data')
    for (const { store } of [withFeed, without]) await ensureUserIdIndex(store, custom.userIdField)
    const feed = createChangeFeed({ store: withFeed.store })
    const runtimes = [
      await runtimeOn(withFeed.store, appDir, feed),
      await runtimeOn(without.store, appDir, undefined),
    ]
    try {
      const [feedRuntime, plainRuntime] = runtimes as [FunctionRunner, FunctionRunner]
      const call = (runtime: FunctionRunner) => (i: number) =>
        runtime.call({
          name: 'writeCustomUserData',
          args: [{ favoriteFood: i % 2 ? 'pizza' : 'ramen', visits: i }],
          user: {
            id: `fn-${i % USERS}`,
            type: 'normal',
            data: {},
            custom_data: {},
            identities: [],
          },
        })
      const functions = await compareRates(
        [
          { name: 'without', run: call(plainRuntime) },
          { name: 'feed', run: call(feedRuntime) },
        ],
        { concurrency: CONCURRENCY, seconds: SECONDS, rounds: ROUNDS },
      )

      const upsert = (store: Store, announce?: () => void) => {
        const docs = createCollection({
          store,
          db: custom.databaseName,
          coll: custom.collectionName,
          userIdField: custom.userIdField,
          ...(announce ? { announce } : {}),
        })
        return (i: number) =>
          docs.updateOne(
            { [custom.userIdField]: `direct-${i % USERS}` },
            { $set: { favoriteFood: i % 2 ? 'pizza' : 'ramen', visits: i } },
            { upsert: true },
          )
      }
      const designs = await compareRates(
        [
          { name: 'none', run: upsert(without.store) },
          { name: 'trigger', run: upsert(withFeed.store, () => feed.announce()) },
          { name: 'path', run: upsert(appendingInPath(without.store), () => feed.announce()) },
        ],
        { concurrency: CONCURRENCY, seconds: SECONDS, rounds: ROUNDS },
      )

      // Field order: the same document written and read as jsonb only, or with its text.
      const db = without.store
      const key = (i: number) => [`"order-${i % USERS}"`]
      for (let i = 0; i < USERS; i += 1) {
        const text = toStored({ _id: `order-${i}`, ...profile(`order-${i}`, i) })
        await db.query(
          `INSERT INTO documents (db, coll, id, doc, doc_text) VALUES ('bench', 'order', $1, $2::text::jsonb, $2::text)`,
          [...key(i), text],
        )
      }
      const write = (sql: string) => (i: number) =>
        db.transaction((tx) =>
          tx.query(sql, [
            ...key(i),
            toStored({ _id: `order-${i % USERS}`, ...profile(`order-${i % USERS}`, i) }),
          ]),
        )
      const read = (column: string) => async (i: number) => {
        const [row] = await db.query<{ doc: unknown }>(
          `SELECT ${column} AS doc FROM documents WHERE db = 'bench' AND coll = 'order' AND id = $1`,
          key(i),
        )
        return fromStored(row?.doc)
      }
      const order = await compareRates(
        [
          {
            name: 'write jsonb',
            run: write(
              `UPDATE documents SET doc = $2::jsonb WHERE db = 'bench' AND coll = 'order' AND id = $1`,
            ),
          },
          {
            name: 'write text',
            run: write(
              `UPDATE documents SET doc = $2::text::jsonb, doc_text = $2::text WHERE db = 'bench' AND coll = 'order' AND id = $1`,
            ),
          },
          { name: 'read jsonb', run: read('doc') },
          { name: 'read text', run: read('coalesce(doc_text, doc::text)') },
        ],
        { concurrency: CONCURRENCY, seconds: SECONDS, rounds: ROUNDS },
      )

      const triggerTimes = await triggerTime(withFeed.store, custom)
      const plainTimes = await triggerTime(without.store, custom)
      const rate = (compared: { rates: Parameters<typeof medianOf>[0] }, name: string) =>
        medianOf(compared.rates, name)
      const costs = (
        compared: { rates: Parameters<typeof medianOf>[0]; cpu: Parameters<typeof medianOf>[0] },
        name: string,
        base: string,
      ) =>
        `throughput ${costPercent(compared.rates, name, base).toFixed(1)} %, CPU ${cpuCostPercent(compared.cpu, name, base).toFixed(1)} %`
      return [
        {
          label: 'fn write, no feed',
          value: rate(functions, 'without'),
          unit: `writes/s (writeCustomUserData via worker; medians of ${ROUNDS} short turns)`,
        },
        {
          label: 'fn write, feed',
          value: rate(functions, 'feed'),
          unit: `writes/s: the feed costs ${costs(functions, 'feed', 'without')} (goal: at most 20 %)`,
        },
        {
          label: '  CPU, no feed',
          value: medianOf(functions.cpu, 'without'),
          unit: 'µs of this process per write (PGlite: the database too)',
        },
        { label: '  CPU, feed', value: medianOf(functions.cpu, 'feed'), unit: 'µs per write' },
        {
          label: 'upsert, no feed',
          value: rate(designs, 'none'),
          unit: 'writes/s (collection API, no worker)',
        },
        {
          label: 'upsert, trigger',
          value: rate(designs, 'trigger'),
          unit: `writes/s, the chosen design: ${costs(designs, 'trigger', 'none')}`,
        },
        {
          label: 'upsert, in path',
          value: rate(designs, 'path'),
          unit: `writes/s, event appended by the write path: ${costs(designs, 'path', 'none')}`,
        },
        {
          label: 'UPDATE, no feed',
          value: plainTimes.update,
          unit: 'µs per row in the database (EXPLAIN ANALYZE)',
        },
        {
          label: 'UPDATE, feed',
          value: triggerTimes.update,
          unit: `µs per row, plus the trigger: ${triggerTimes.trigger.toFixed(1)} µs per event`,
        },
        {
          label: 'write, jsonb only',
          value: rate(order, 'write jsonb'),
          unit: 'writes/s (one document, no feed)',
        },
        {
          label: 'write, + doc_text',
          value: rate(order, 'write text'),
          unit: `writes/s: field order costs ${costs(order, 'write text', 'write jsonb')}`,
        },
        { label: 'read, jsonb', value: rate(order, 'read jsonb'), unit: 'reads/s (decoded)' },
        {
          label: 'read, doc_text',
          value: rate(order, 'read text'),
          unit: `reads/s: field order costs ${costs(order, 'read text', 'read jsonb')}`,
        },
      ]
    } finally {
      for (const runtime of runtimes) await runtime.close()
      await feed.close()
      await withFeed.dispose()
      await without.dispose()
      await rm(appDir, { recursive: true, force: true })
    }
  },
}
