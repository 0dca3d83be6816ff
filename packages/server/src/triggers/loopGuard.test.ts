import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '../collection/createCollection'
import { createLogger } from '../createLogger'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { writeTriggerApp } from './triggerAppFixture'

// App Services' documentation warns that a database trigger whose function writes to the
// collection it watches "can cause an infinite loop" (Database Triggers, "Avoid infinite loops"):
// App Services ran such a chain for ever. Ours stops it at `maxChainDepth`, naming the trigger.
const watching = (name: string, collection: string) => ({
  name,
  type: 'DATABASE',
  config: { database: 'app', collection, operation_types: ['INSERT', 'UPDATE'] },
  event_processors: { FUNCTION: { config: { function_name: name } } },
})

// Increments the counter it watches: every run writes the event that runs it again.
const feedsItself = `
exports = async function (event) {
  await context.services.get('mongodb-atlas').db('app').collection('counters')
    .updateOne({ _id: event.documentKey._id }, { $inc: { n: 1 } })
}
`

// Writes to another collection: a chain of two triggers, each well within the limit.
const copies = `
exports = async function (event) {
  await context.services.get('mongodb-atlas').db('app').collection('copies')
    .insertOne({ _id: event.documentKey._id, from: 'orders' })
}
`
const records = `
exports = async function (event) {
  await context.services.get('mongodb-atlas').db('app').collection('log')
    .insertOne({ copied: event.documentKey._id })
}
`

const until = async (condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> => {
  const end = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.each(testStores())('the loop guard of database triggers on $kind', (storeKind) => {
  const MAX_DEPTH = 4
  const lines: { msg: string; trigger?: string }[] = []
  let server: TestServer
  let remove: () => Promise<void>
  const coll = (name: string) => createCollection({ store: server.store, db: 'app', coll: name })

  beforeAll(async () => {
    const app = await writeTriggerApp({
      triggers: {
        counter: watching('counter', 'counters'),
        copier: watching('copier', 'orders'),
        recorder: watching('recorder', 'copies'),
      },
      functions: { counter: feedsItself, copier: copies, recorder: records },
    })
    remove = () => app.remove()
    server = await startTestServer({
      appDir: app.dir,
      storeKind,
      logger: createLogger('error', {
        write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }),
      }),
      triggers: { pollIntervalMs: 100, maxChainDepth: MAX_DEPTH },
    })
  })
  afterAll(async () => {
    await server.close()
    await remove()
  })

  it('stops a trigger that writes to what it watches after maxChainDepth runs, and names it in the log', async () => {
    await coll('counters').insertOne({ _id: 'c', n: 0 })
    await until(() => Promise.resolve(lines.some((line) => line.trigger === 'counter')))
    const [stop] = lines.filter((line) => line.trigger === 'counter')
    expect(stop?.msg).toMatch(/^trigger counter: event \d+ was written by a chain of 4 trigger/)
    // The insert (depth 0) ran the function, whose update (depth 1) ran it again, ... up to the
    // update of depth 4, which is not delivered: 4 runs, n = 4, and nothing more.
    expect(await coll('counters').findOne({ _id: 'c' })).toEqual({ _id: 'c', n: MAX_DEPTH })
    // The stopped event is completed, not parked: nothing is left to retry.
    await until(async () => {
      const [row] = await server.store.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM trigger_events WHERE trigger = 'counter'`,
      )
      return row?.n === '0'
    })
    expect(await coll('counters').findOne({ _id: 'c' })).toEqual({ _id: 'c', n: MAX_DEPTH })
  })

  it('lets a chain within the limit run to its end, and counts depth from each outside write again', async () => {
    for (const id of [1, 2, 3]) await coll('orders').insertOne({ _id: id })
    await until(async () => (await coll('log').count({})) === 3)
    expect((await coll('copies').find({})).map((doc) => doc._id)).toEqual([1, 2, 3])
    expect(
      lines.filter((line) => line.trigger === 'copier' || line.trigger === 'recorder'),
    ).toEqual([])
    // An outside write to the looping trigger's collection starts a fresh chain of 4.
    await coll('counters').updateOne({ _id: 'c' }, { $set: { n: 0 } })
    await until(() =>
      Promise.resolve(lines.filter((line) => line.trigger === 'counter').length === 2),
    )
    expect(await coll('counters').findOne({ _id: 'c' })).toEqual({ _id: 'c', n: MAX_DEPTH })
  })
})
