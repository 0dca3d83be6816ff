import { ObjectId } from 'bson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '../collection/createCollection'
import type { Document } from '../collection/documentCodec'
import { decodeEjson } from '../ejson/ejsonCodec'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { recordingFunction, writeTriggerApp } from './triggerAppFixture'

// The trigger files are App Services' own format ("Trigger Configuration Files",
// https://www.mongodb.com/docs/atlas/app-services/reference/config/triggers/): `config` with
// service_name, database, collection, operation_types, match, project, full_document,
// full_document_before_change, unordered, skip_catchup_events; the function in
// event_processors.FUNCTION.config.function_name (or the older top-level function_name).

const database = (name: string, config: Record<string, unknown>, functionName = name) => ({
  name,
  type: 'DATABASE',
  disabled: false,
  config: { service_name: 'mongodb-atlas', database: 'app', ...config },
  event_processors: { FUNCTION: { config: { function_name: functionName } } },
})

/** Waits until `condition` holds, checking every 100 ms; a busy machine only makes it slower. */
const until = async (condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const end = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.each(testStores())('database triggers on $kind', (storeKind) => {
  let server: TestServer
  let remove: () => Promise<void>
  const coll = (name: string) => createCollection({ store: server.store, db: 'app', coll: name })
  /** What a trigger's function was called with, in the order it was called. */
  const received = async (trigger: string): Promise<Document[]> => {
    // In insertion order (the table's seq): the order the function ran in.
    const rows = await server.store.query<{ doc: string }>(
      `SELECT coalesce(doc_text, doc::text) AS doc FROM documents
        WHERE db = 't' AND coll = 'log' AND doc->>'trigger' = $1 ORDER BY seq`,
      [trigger],
    )
    return rows.map((row) => (decodeEjson(JSON.parse(row.doc)) as Document).arg as Document)
  }

  beforeAll(async () => {
    const app = await writeTriggerApp({
      triggers: {
        ordered: database('ordered', {
          collection: 'counter',
          operation_types: ['UPDATE'],
          full_document: true,
        }),
        inserts: database('inserts', { collection: 'items', operation_types: ['INSERT'] }),
        matched: database('matched', {
          collection: 'items',
          operation_types: ['INSERT', 'UPDATE'],
          match: { 'fullDocument.status': 'ready' },
          project: { operationType: 1, 'fullDocument.name': 1 },
          full_document: true,
        }),
        before: database('before', {
          collection: 'items',
          operation_types: ['UPDATE', 'REPLACE', 'DELETE'],
          full_document_before_change: true,
          unordered: true,
        }),
        off: {
          ...database('off', { collection: 'items', operation_types: ['INSERT'] }),
          disabled: true,
        },
        // The older layout: function_name at the top level.
        legacy: {
          name: 'legacy',
          type: 'DATABASE',
          function_name: 'legacy',
          config: { database: 'app', collection: 'legacy', operation_types: ['INSERT'] },
        },
      },
      functions: {
        ordered: recordingFunction('ordered'),
        inserts: recordingFunction('inserts'),
        matched: recordingFunction('matched'),
        before: recordingFunction('before'),
        off: recordingFunction('off'),
        legacy: recordingFunction('legacy'),
      },
    })
    remove = () => app.remove()
    server = await startTestServer({ appDir: app.dir, storeKind })
  })
  afterAll(async () => {
    await server.close()
    await remove()
  })

  it('runs the function with the change event of each insert, as the system user', async () => {
    const id = new ObjectId()
    await coll('items').insertOne({ _id: id, name: 'first', status: 'new' })
    await until(async () => (await received('inserts')).length === 1)
    const [event] = await received('inserts')
    expect(event).toMatchObject({
      operationType: 'insert',
      ns: { db: 'app', coll: 'items' },
      documentKey: { _id: id },
      fullDocument: { _id: id, name: 'first', status: 'new' },
    })
    expect(typeof (event?._id as { _data?: unknown })._data).toBe('string')
    // A disabled trigger never fires.
    expect(await received('off')).toEqual([])
  })

  it('runs a trigger of the older layout (top-level function_name)', async () => {
    await coll('legacy').insertOne({ _id: 'x' })
    await until(async () => (await received('legacy')).length === 1)
  })

  it('delivers 1,000 writes to one document to an ordered trigger, in commit order', async () => {
    await coll('counter').insertOne({ _id: 'c', n: 0 })
    const counter = coll('counter')
    // Concurrent writers: each increment waits for the row, so commit order is n's order.
    await Promise.all(
      Array.from({ length: 1000 }, () => counter.updateOne({ _id: 'c' }, { $inc: { n: 1 } })),
    )
    await until(async () => (await received('ordered')).length >= 1000, 300_000)
    const seen = (await received('ordered')).map((event) => (event.fullDocument as { n: number }).n)
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
  }, 360_000)

  it('applies match on the change event, then project', async () => {
    await coll('items').insertOne({ _id: 'm1', name: 'skipped', status: 'new' })
    await coll('items').insertOne({ _id: 'm2', name: 'kept', status: 'ready', secret: 's' })
    await coll('items').updateOne({ _id: 'm1' }, { $set: { status: 'ready' } })
    await until(async () => (await received('matched')).length === 2)
    const events = await received('matched')
    expect(events.map((event) => Object.keys(event).sort())).toEqual([
      ['_id', 'fullDocument', 'operationType'],
      ['_id', 'fullDocument', 'operationType'],
    ])
    expect(events).toMatchObject([
      { operationType: 'insert', fullDocument: { name: 'kept' } },
      { operationType: 'update', fullDocument: { name: 'skipped' } },
    ])
    expect(events[0]?.fullDocument).toEqual({ name: 'kept' })
  })

  it('gives fullDocumentBeforeChange on update, replace and delete', async () => {
    await coll('items').insertOne({ _id: 'b1', v: 1 })
    await coll('items').updateOne({ _id: 'b1' }, { $set: { v: 2 } })
    await coll('items').replaceOne({ _id: 'b1' }, { v: 3 })
    await coll('items').deleteOne({ _id: 'b1' })
    await until(async () => (await received('before')).filter((e) => isB1(e)).length === 3)
    const events = (await received('before')).filter((e) => isB1(e))
    const byOp: Record<string, Document | undefined> = Object.fromEntries(
      events.map((event) => [String(event.operationType), event]),
    )
    expect(byOp.update).toMatchObject({
      fullDocumentBeforeChange: { _id: 'b1', v: 1 },
      updateDescription: { updatedFields: { v: 2 }, removedFields: [] },
    })
    expect(byOp.update?.fullDocument).toBeUndefined()
    expect(byOp.replace).toMatchObject({
      fullDocumentBeforeChange: { _id: 'b1', v: 2 },
      fullDocument: { _id: 'b1', v: 3 },
    })
    expect(byOp.delete).toMatchObject({ fullDocumentBeforeChange: { _id: 'b1', v: 3 } })
  })
})

const isB1 = (event: Document): boolean =>
  (event.documentKey as { _id?: unknown } | undefined)?._id === 'b1'
