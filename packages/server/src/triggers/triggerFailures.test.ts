import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '../collection/createCollection'
import { decodeEjson } from '../ejson/ejsonCodec'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import {
  listFailedEvents,
  listTriggerStates,
  retryFailedEvent,
  skipFailedEvent,
} from './triggerAdmin'
import { writeTriggerApp } from './triggerAppFixture'

const database = (name: string, collection: string, unordered = false) => ({
  name,
  type: 'DATABASE',
  config: { database: 'app', collection, operation_types: ['INSERT'], unordered },
  event_processors: { FUNCTION: { config: { function_name: name } } },
})

// Records the inserted document's _id in t.log, unless it is marked bad and app.switch's "fix"
// document does not say that bad ones pass now.
const picky = (trigger: string) => `
exports = async function (event) {
  const db = context.services.get('mongodb-atlas').db('app')
  const fixed = await db.collection('switch').findOne({ _id: 'fix' })
  if (event.fullDocument.bad && !fixed) throw new Error('bad document ' + event.documentKey._id)
  await context.services.get('mongodb-atlas').db('t').collection('log')
    .insertOne({ trigger: ${JSON.stringify(trigger)}, id: event.documentKey._id })
}
`

// Fails its first two calls for each document, then records it.
const flaky = `
exports = async function (event) {
  const attempts = context.services.get('mongodb-atlas').db('app').collection('attempts')
  const id = event.documentKey._id
  await attempts.updateOne({ _id: id }, { $inc: { n: 1 } }, { upsert: true })
  const { n } = await attempts.findOne({ _id: id })
  if (n < 3) throw new Error('not yet: attempt ' + n)
  await context.services.get('mongodb-atlas').db('t').collection('log')
    .insertOne({ trigger: 'flaky', id, attempts: n })
}
`

const until = async (condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const end = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.each(testStores())('failing trigger functions on $kind', (storeKind) => {
  let server: TestServer
  let remove: () => Promise<void>
  const coll = (name: string) => createCollection({ store: server.store, db: 'app', coll: name })
  const delivered = async (trigger: string): Promise<unknown[]> =>
    (
      await server.store.query<{ doc: string }>(
        `SELECT coalesce(doc_text, doc::text) AS doc FROM documents
          WHERE db = 't' AND coll = 'log' AND doc->>'trigger' = $1 ORDER BY seq`,
        [trigger],
      )
    ).map((row) => (decodeEjson(JSON.parse(row.doc)) as { id: unknown }).id)
  const failedOf = async (trigger: string) =>
    (await listFailedEvents(server.store)).filter((event) => event.trigger === trigger)

  beforeAll(async () => {
    const app = await writeTriggerApp({
      triggers: {
        strict: database('strict', 'jobs'),
        loose: database('loose', 'jobs', true),
        flaky: database('flaky', 'flaky', true),
      },
      functions: { strict: picky('strict'), loose: picky('loose'), flaky },
    })
    remove = () => app.remove()
    server = await startTestServer({
      appDir: app.dir,
      storeKind,
      triggers: { maxAttempts: 3, retryBaseMs: 50, pollIntervalMs: 100 },
    })
  })
  afterAll(async () => {
    await server.close()
    await remove()
  })

  it('retries a failing function with backoff until it succeeds', async () => {
    await coll('flaky').insertOne({ _id: 'f1' })
    await until(async () => (await delivered('flaky')).length === 1)
    expect(await coll('attempts').findOne({ _id: 'f1' })).toEqual({ _id: 'f1', n: 3 })
    expect(await failedOf('flaky')).toEqual([])
  })

  it('parks an event after its last attempt; an ordered trigger waits on it, an unordered one goes on', async () => {
    await coll('jobs').insertOne({ _id: 1 })
    await coll('jobs').insertOne({ _id: 2, bad: true })
    await coll('jobs').insertOne({ _id: 3 })
    await until(async () => (await failedOf('strict')).length === 1)
    await until(async () => (await delivered('loose')).length === 2)
    // Unordered: side by side, in any order.
    expect((await delivered('loose')).sort()).toEqual([1, 3])
    const [parked] = await failedOf('strict')
    expect(parked).toMatchObject({ attempts: 3, error: 'bad document 2' })
    // The ordered trigger does not pass its failed event.
    expect(await delivered('strict')).toEqual([1])
    const states = await listTriggerStates(server.store)
    expect(states.find((state) => state.name === 'strict')).toMatchObject({
      pending: 2,
      failed: 1,
      lastError: 'bad document 2',
    })
    // /health/ready tells the lag.
    const ready = (await (await fetch(`${server.url}/health/ready`)).json()) as {
      triggers: { name: string; failed: number; lagSeconds: number }[]
    }
    expect(ready.triggers.find((t) => t.name === 'strict')).toMatchObject({ failed: 1 })
    expect(ready.triggers.find((t) => t.name === 'strict')?.lagSeconds).toBeGreaterThan(0)

    // Fixed, then retried: the ordered trigger delivers it and goes on, in order.
    await coll('switch').insertOne({ _id: 'fix' })
    expect(await retryFailedEvent(server.store, parked?.id ?? '')).toBe(true)
    await until(async () => (await delivered('strict')).length === 3)
    expect(await delivered('strict')).toEqual([1, 2, 3])
    expect(await retryFailedEvent(server.store, parked?.id ?? '')).toBe(false)
  })

  it('skips a parked event: the ordered trigger goes on without it', async () => {
    await coll('switch').deleteOne({ _id: 'fix' })
    await coll('jobs').insertOne({ _id: 4, bad: true })
    await coll('jobs').insertOne({ _id: 5 })
    await until(async () => (await failedOf('strict')).length === 1)
    const [parked] = await failedOf('strict')
    expect(await skipFailedEvent(server.store, parked?.id ?? '')).toBe(true)
    await until(async () => (await delivered('strict')).length === 4)
    expect(await delivered('strict')).toEqual([1, 2, 3, 5])
    expect(await skipFailedEvent(server.store, 'not-a-number')).toBe(false)
  })
})
