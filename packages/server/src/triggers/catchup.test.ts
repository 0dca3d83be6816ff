import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { createCollection } from '../collection/createCollection'
import { createLogger } from '../createLogger'
import { createServer } from '../createServer'
import { decodeEjson } from '../ejson/ejsonCodec'
import type { Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import { recordingFunction, writeTriggerApp } from './triggerAppFixture'

const database = (name: string, skip: boolean) => ({
  name,
  type: 'DATABASE',
  config: {
    database: 'app',
    collection: 'items',
    operation_types: ['INSERT'],
    skip_catchup_events: skip,
  },
  event_processors: { FUNCTION: { config: { function_name: name } } },
})

const until = async (condition: () => Promise<boolean>): Promise<void> => {
  const end = Date.now() + 60_000
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

// skip_catchup_events (App Services' trigger configuration reference): a trigger that starts
// passes over the events written while it was not running.
describe.each(testStores())('catching up after a stop on $kind', (storeKind) => {
  let store: Store
  let dir: string
  let remove: () => Promise<void>

  beforeAll(async () => {
    store = await storeKind.open()
    const app = await writeTriggerApp({
      triggers: { catchUp: database('catchUp', false), skip: database('skip', true) },
      functions: { catchUp: recordingFunction('catchUp'), skip: recordingFunction('skip') },
    })
    dir = app.dir
    remove = () => app.remove()
  })
  afterAll(async () => {
    await store.close()
    await remove()
  })

  const received = async (trigger: string): Promise<unknown[]> =>
    (
      await store.query<{ doc: string }>(
        `SELECT coalesce(doc_text, doc::text) AS doc FROM documents
          WHERE db = 't' AND coll = 'log' AND doc->>'trigger' = $1 ORDER BY seq`,
        [trigger],
      )
    ).map(
      (row) =>
        (decodeEjson(JSON.parse(row.doc)) as { arg: { documentKey: { _id: unknown } } }).arg
          .documentKey._id,
    )
  const start = async () =>
    createServer({ app: await loadAppFolder(dir), store, logger: createLogger('silent') })
  const items = () => createCollection({ store, db: 'app', coll: 'items' })

  it('delivers what was written while no server ran, unless skip_catchup_events', async () => {
    let server = await start()
    await items().insertOne({ _id: 'live' })
    await until(async () => (await received('skip')).length === 1)
    await until(async () => (await received('catchUp')).length === 1)
    await server.close()

    await items().insertOne({ _id: 'while-down' })
    server = await start()
    await items().insertOne({ _id: 'after' })
    await until(async () => (await received('catchUp')).length === 3)
    await until(async () => (await received('skip')).length === 2)
    await server.close()
    expect(await received('catchUp')).toEqual(['live', 'while-down', 'after'])
    expect(await received('skip')).toEqual(['live', 'after'])
  })
})
