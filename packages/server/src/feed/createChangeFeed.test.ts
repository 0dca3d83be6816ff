import { ObjectId, Timestamp } from 'bson'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection, type Collection } from '../collection/createCollection'
import type { Document } from '../collection/documentCodec'
import { openStore } from '../store/openStore'
import type { Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import { createChangeFeed, type ChangeFeed } from './createChangeFeed'
import type { FeedChange } from './changeEventOf'
import { compareFeedPositions, feedPositionOf, type FeedPosition } from './FeedPosition'
import { isHistoryLost } from './readChanges'

/** Reads everything after `after`, page by page, until the feed has nothing more. */
const readAll = async (
  feed: ChangeFeed,
  after: FeedPosition,
  options: Omit<Parameters<ChangeFeed['readChanges']>[0], 'after'> = {},
): Promise<{ changes: FeedChange[]; position: FeedPosition }> => {
  const changes: FeedChange[] = []
  let position = after
  for (;;) {
    const page = await feed.readChanges({ ...options, after: position })
    changes.push(...page.changes)
    position = page.position
    if (page.caughtUp && page.changes.length === 0) return { changes, position }
  }
}

const idsOf = (changes: readonly FeedChange[]): unknown[] =>
  changes.map((change) => change.event.documentKey._id)

/** Waits until `condition` holds, checking every 10 ms (no wall-clock assertion). */
const until = async (condition: () => boolean | Promise<boolean>): Promise<void> => {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe.each(testStores())('the change feed on $kind', (storeKind) => {
  let store: Store
  let feed: ChangeFeed
  let count = 0
  /** A fresh collection, and its name for the feed's filter. */
  const collection = (
    options: { userIdField?: string } = {},
  ): Collection & { readonly name: string } => {
    const name = `c${(count += 1)}`
    return Object.assign(createCollection({ store, db: 'feed', coll: name, ...options }), { name })
  }

  beforeAll(async () => {
    store = await storeKind.open()
    feed = createChangeFeed({ store })
  })
  afterAll(async () => {
    await feed.close()
    await store.close()
  })

  it('records each write in MongoDB change-event shape, with a resume token for its place', async () => {
    const start = await feed.latestPosition()
    const docs = collection()
    const { insertedId } = await docs.insertOne({ name: 'a', prefs: { theme: 'light', size: 1 } })
    await docs.updateOne(
      { _id: insertedId },
      { $set: { 'prefs.theme': 'dark', added: true }, $unset: { name: '' } },
    )
    await docs.replaceOne({ _id: insertedId }, { whole: 'new' })
    await docs.deleteOne({ _id: insertedId })
    const { changes } = await readAll(feed, start, { filter: { coll: docs.name } })
    const ns = { db: 'feed', coll: docs.name }
    expect(changes.map((change) => change.event)).toEqual([
      {
        _id: { _data: expect.stringMatching(/^[0-9a-f]{32}$/) },
        operationType: 'insert',
        clusterTime: expect.any(Timestamp),
        wallTime: expect.any(Date),
        ns,
        documentKey: { _id: insertedId },
        fullDocument: { _id: insertedId, name: 'a', prefs: { theme: 'light', size: 1 } },
      },
      expect.objectContaining({
        operationType: 'update',
        documentKey: { _id: insertedId },
        updateDescription: {
          updatedFields: { 'prefs.theme': 'dark', added: true },
          removedFields: ['name'],
          truncatedArrays: [],
        },
      }),
      expect.objectContaining({
        operationType: 'replace',
        fullDocument: { _id: insertedId, whole: 'new' },
      }),
      expect.objectContaining({ operationType: 'delete', documentKey: { _id: insertedId } }),
    ])
    // MongoDB's defaults: no image on update and delete events unless asked for.
    expect(changes[1]?.event).not.toHaveProperty('fullDocument')
    expect(changes[3]?.event).not.toHaveProperty('fullDocumentBeforeChange')
    // Each event's _id is its position, and positions only grow.
    expect(changes.map((change) => feedPositionOf(change.event._id))).toEqual(
      changes.map((change) => change.position),
    )
    expect(
      changes
        .slice(1)
        .map((change, i) => compareFeedPositions(changes[i]!.position, change.position)),
    ).toEqual([-1, -1, -1])
    // Resuming after the second event gives the last two.
    const resumed = await readAll(feed, feedPositionOf(changes[1]!.event._id), {
      filter: { coll: docs.name },
    })
    expect(resumed.changes.map((change) => change.event.operationType)).toEqual([
      'replace',
      'delete',
    ])
  })

  it('gives the images a reader asks for: the document after an update, and before a change', async () => {
    const start = await feed.latestPosition()
    const docs = collection()
    await docs.insertOne({ _id: 1, n: 1 })
    await docs.updateOne({ _id: 1 }, { $inc: { n: 1 } })
    await docs.deleteOne({ _id: 1 })
    const { changes } = await readAll(feed, start, {
      filter: { coll: docs.name },
      fullDocument: true,
      fullDocumentBeforeChange: true,
    })
    expect(
      changes.map(({ event }) => [event.fullDocument, event.fullDocumentBeforeChange]),
    ).toEqual([
      [{ _id: 1, n: 1 }, undefined],
      [
        { _id: 1, n: 2 },
        { _id: 1, n: 1 },
      ],
      [undefined, { _id: 1, n: 2 }],
    ])
  })

  it('filters by namespace and operation, and moves the reader past what it filtered out', async () => {
    const start = await feed.latestPosition()
    const watched = collection()
    const other = collection()
    await watched.insertOne({ _id: 'w' })
    await other.insertMany([{ _id: 'o1' }, { _id: 'o2' }])
    await watched.updateOne({ _id: 'w' }, { $set: { a: 1 } })
    const inserts = await readAll(feed, start, {
      filter: { db: 'feed', coll: watched.name, operationTypes: ['insert'] },
    })
    expect(idsOf(inserts.changes)).toEqual(['w'])
    // Nothing new: a second read from the returned position finds nothing, not the same again.
    const again = await feed.readChanges({
      after: inserts.position,
      filter: { coll: watched.name },
    })
    expect(again.changes).toEqual([])
    expect(compareFeedPositions(inserts.position, start)).toBe(1)
  })

  it('pages: a small limit returns events in order, each page after the last', async () => {
    const start = await feed.latestPosition()
    const docs = collection()
    for (let i = 0; i < 7; i += 1) await docs.insertOne({ _id: i })
    const seen: unknown[] = []
    let position = start
    for (;;) {
      const page = await feed.readChanges({
        after: position,
        limit: 3,
        filter: { coll: docs.name },
      })
      expect(page.changes.length).toBeLessThanOrEqual(3)
      seen.push(...idsOf(page.changes))
      position = page.position
      if (page.changes.length === 0) break
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it('reads across more batches than one query looks at, in order, skipping filtered ones', async () => {
    const start = await feed.latestPosition()
    const docs = collection()
    const other = collection()
    for (let i = 0; i < 150; i += 1) {
      await (i % 3 === 0 ? docs : other).insertOne({ _id: i })
      await feed.seal()
    }
    const page = await feed.readChanges({ after: start, limit: 1000, filter: { coll: docs.name } })
    expect(idsOf(page.changes)).toEqual(Array.from({ length: 50 }, (_, i) => i * 3))
    expect(page.caughtUp).toBe(true)
  })

  it('records a write that rolls back not at all, and one that commits in the same transaction', async () => {
    const start = await feed.latestPosition()
    await expect(
      store.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO documents (db, coll, id, doc) VALUES ('feed', 'rolled', '"x"', '{"_id": "x"}')`,
        )
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    await store.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO documents (db, coll, id, doc) VALUES ('feed', 'rolled', '"y"', '{"_id": "y"}')`,
      )
      // Inside the transaction, its own event is already there beside the document.
      const [row] = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM change_events WHERE coll = 'rolled' AND doc_id = '"y"'`,
      )
      expect(row?.n).toBe(1)
    })
    const { changes } = await readAll(feed, start, { filter: { coll: 'rolled' } })
    expect(idsOf(changes)).toEqual(['y'])
  })

  it('records a plain SQL UPDATE, and readers see the new document, not the stale written text', async () => {
    const start = await feed.latestPosition()
    const docs = collection()
    await docs.insertOne({ _id: 'u', plan: 'free', zebra: 1, a: 2 })
    await store.query(
      `UPDATE documents SET doc = jsonb_set(doc, '{plan}', '"pro"') WHERE db = 'feed' AND coll = $1`,
      [docs.name],
    )
    const { changes } = await readAll(feed, start, {
      filter: { coll: docs.name },
      fullDocument: true,
    })
    expect(changes.map(({ event }) => event.operationType)).toEqual(['insert', 'update'])
    expect(changes[1]?.event).toMatchObject({
      fullDocument: { _id: 'u', plan: 'pro' },
      updateDescription: { updatedFields: { plan: 'pro' }, removedFields: [] },
    })
    expect(await docs.findOne({ _id: 'u' })).toEqual({ _id: 'u', plan: 'pro', zebra: 1, a: 2 })
  })

  it('answers whether a document changed after a mark, by the value of one of its fields', async () => {
    const docs = collection()
    const target = (value: string) => ({ db: 'feed', coll: docs.name, field: 'owner.id', value })
    await docs.insertOne({ _id: 'before', owner: { id: 'u1' } })
    const mark = await feed.mark()
    expect(await feed.documentChangedSince(mark, target('u1'))).toBe(false)
    await docs.insertOne({ _id: 'after', owner: { id: 'u2' } })
    expect(await feed.documentChangedSince(mark, target('u2'))).toBe(true)
    expect(await feed.documentChangedSince(mark, target('u1'))).toBe(false)
    // A delete is found by the document it removed.
    const second = await feed.mark()
    await docs.deleteOne({ _id: 'before' })
    expect(await feed.documentChangedSince(second, target('u1'))).toBe(true)
    expect(await feed.documentChangedSince(second, target('u2'))).toBe(false)
  })

  it('keeps the order of the writes to one document under 1,000 concurrent writers', async () => {
    const start = await feed.latestPosition()
    const docs = collection({ userIdField: 'userId' })
    await Promise.all(
      Array.from({ length: 1000 }, () =>
        docs.updateOne({ userId: 'one' }, { $inc: { n: 1 } }, { upsert: true }),
      ),
    )
    const { changes } = await readAll(feed, start, {
      filter: { coll: docs.name },
      fullDocument: true,
      limit: 1000,
    })
    expect(changes.map(({ event }) => (event.fullDocument as Document).n)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 1),
    )
  })

  it('durable cursors: registered once, moved only forward, listed, deleted', async () => {
    const start = await feed.latestPosition()
    const name = `cursor-${storeKind.kind}-${Date.now()}`
    expect(await feed.cursors.read(name)).toBeNull()
    expect((await feed.cursors.register(name, start)).position).toEqual(start)
    const later = { batch: start.batch + 5n, seq: 3n }
    // Registering again keeps the stored position.
    expect((await feed.cursors.register(name, later)).position).toEqual(start)
    await feed.cursors.save(name, later)
    await feed.cursors.save(name, start)
    expect((await feed.cursors.read(name))?.position).toEqual(later)
    expect((await feed.cursors.list()).map((cursor) => cursor.name)).toContain(name)
    await feed.cursors.delete(name)
    expect(await feed.cursors.read(name)).toBeNull()
  })

  it('wakes subscribers when a write commits', async () => {
    let woken = 0
    const stop = await feed.subscribe(() => {
      woken += 1
    })
    try {
      const before = woken
      await collection().insertOne({ _id: new ObjectId() })
      await until(() => woken > before)
    } finally {
      stop()
    }
  })
})

describe.each(testStores())('pruning the change feed on $kind', (storeKind) => {
  let store: Store
  beforeAll(async () => {
    store = await storeKind.open()
  })
  afterAll(() => store.close())

  it('deletes what every cursor passed once the retention window is over, and no more', async () => {
    const feed = createChangeFeed({ store, retentionSeconds: 0 })
    const kept = createChangeFeed({ store, retentionSeconds: 3600 })
    const docs = createCollection({ store, db: 'feed', coll: 'pruned' })
    const origin = await feed.startPosition()
    const positions: FeedPosition[] = []
    for (const _id of ['e1', 'e2', 'e3']) {
      await docs.insertOne({ _id })
      // One batch each, so the cursor can stand between them.
      const page = await readAll(feed, positions.at(-1) ?? origin)
      positions.push(page.changes.at(-1)!.position)
    }
    const [p1, p2] = positions as [FeedPosition, FeedPosition, FeedPosition]
    await feed.cursors.register('slow', p1)
    // Within the retention window nothing goes, cursor or not.
    expect((await kept.prune()).events).toBe(0)
    // The cursor stands in e1's batch: that batch stays.
    await feed.prune()
    expect(idsOf((await readAll(feed, origin)).changes)).toEqual(['e1', 'e2', 'e3'])
    await feed.cursors.save('slow', p2)
    expect((await feed.prune()).events).toBe(1)
    // A reader behind the pruned part is told so; from the start position it reads the rest.
    const lost = await feed.readChanges({ after: origin }).catch((error: unknown) => error)
    expect(isHistoryLost(lost)).toBe(true)
    expect(idsOf((await readAll(feed, await feed.startPosition())).changes)).toEqual(['e2', 'e3'])
    await feed.cursors.delete('slow')
    await docs.insertOne({ _id: 'e4' })
    await feed.prune()
    const [{ n } = { n: -1 }] = await store.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM change_events',
    )
    // Pruned through the last sealed batch: e4, sealed by prune itself, is gone too.
    expect(n).toBe(0)
    await feed.close()
    await kept.close()
  })
})

const databaseUrl = process.env.DATABASE_URL
const postgres = testStores().filter((kind) => kind.kind === 'postgres')

// PGlite runs one transaction at a time, so the races below exist only on PostgreSQL.
describe.each(postgres)('the change feed under concurrent transactions on $kind', (storeKind) => {
  let store: Store
  let feed: ChangeFeed
  let schema: string
  beforeAll(async () => {
    store = await storeKind.open()
    feed = createChangeFeed({ store })
    const [row] = await store.query<{ schema: string }>('SELECT current_schema() AS schema')
    schema = row!.schema
  })
  afterAll(async () => {
    await feed.close()
    await store.close()
  })

  const insertSql = (id: string) =>
    `INSERT INTO documents (db, coll, id, doc) VALUES ('race', 'c', '"${id}"', '{"_id": "${id}"}')`

  it('never passes an event whose transaction commits after a later-numbered one', async () => {
    const start = await feed.latestPosition()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let written!: () => void
    const firstWritten = new Promise<void>((resolve) => (written = resolve))
    // T1 writes first (the lower seq) and stays open; T2 writes later and commits.
    const t1 = store.transaction(async (tx) => {
      await tx.query(insertSql('slow'))
      written()
      await gate
    })
    await firstWritten
    await store.query(insertSql('fast'))
    const first = await feed.readChanges({ after: start, filter: { db: 'race' } })
    expect(idsOf(first.changes)).toEqual(['fast'])
    // A reader going by seq alone would now stand past T1's event...
    const fastSeq = first.changes[0]!.position.seq
    release()
    await t1
    const naive = await store.query(
      `SELECT seq FROM change_events WHERE db = 'race' AND seq > $1`,
      [fastSeq.toString()],
    )
    expect(naive).toEqual([])
    // ...while the feed hands it over, after the one it already gave.
    const second = await feed.readChanges({ after: first.position, filter: { db: 'race' } })
    expect(idsOf(second.changes)).toEqual(['slow'])
    expect(second.changes[0]!.position.seq < fastSeq).toBe(true)
    expect(compareFeedPositions(second.changes[0]!.position, first.position)).toBe(1)
  })

  it('a reader racing 8 writers gets every committed event exactly once, and no rolled-back one', async () => {
    const start = await feed.latestPosition()
    const committed = new Set<string>()
    let writing = true
    const writer = async (w: number) => {
      for (let t = 0; t < 40; t += 1) {
        const ids = Array.from({ length: 1 + (t % 3) }, (_, i) => `w${w}-t${t}-${i}`)
        const rollBack = t % 7 === 3
        await store
          .transaction(async (tx) => {
            for (const id of ids) {
              await tx.query(insertSql(id))
              // Commit at varied times, so seq order and commit order disagree.
              await new Promise((resolve) => setTimeout(resolve, (w * 7 + t * 13) % 9))
            }
            if (rollBack) throw new Error('rolled back on purpose')
          })
          .then(
            () => ids.forEach((id) => committed.add(id)),
            () => {},
          )
      }
    }
    const seen: string[] = []
    const reader = async () => {
      let position = start
      for (;;) {
        const done = !writing
        const page = await feed.readChanges({ after: position, filter: { db: 'race' } })
        seen.push(...(idsOf(page.changes) as string[]))
        position = page.position
        if (done && page.caughtUp && page.changes.length === 0) return
      }
    }
    const reading = reader()
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)))
    writing = false
    await reading
    expect(new Set(seen).size).toBe(seen.length)
    expect([...seen].sort()).toEqual([...committed].sort())
  })

  it('wakes a subscriber for writes from another process: announced ones, plain SQL ones, and after its connection was cut', async () => {
    const other = createChangeFeed({ store })
    const writerStore = await openStore({ databaseUrl: databaseUrl!, schema })
    const writerFeed = createChangeFeed({ store: writerStore })
    try {
      let woken = 0
      await other.subscribe(() => {
        woken += 1
      })
      // The server's write path: the trigger stays silent, the writer announces after commit.
      const writes = createCollection({
        store: writerStore,
        db: 'feed',
        coll: 'notified',
        announce: () => writerFeed.announce(),
      })
      let before = woken
      await writes.insertOne({ _id: 1 })
      await until(() => woken > before)
      // A plain SQL write: the trigger notifies at its commit.
      before = woken
      await writerStore.query(
        `UPDATE documents SET doc = jsonb_set(doc, '{n}', '1') WHERE coll = 'notified'`,
      )
      await until(() => woken > before)
      // Cut the listening connection: the notifier reconnects and says so by waking us.
      const admin = new pg.Client({ connectionString: databaseUrl })
      await admin.connect()
      try {
        before = woken
        const cut = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`,
          [`LISTEN "change_feed_${schema}"`],
        )
        expect(cut.rowCount).toBeGreaterThan(0)
        await until(() => woken > before)
        // Listening again: the next write wakes it too.
        await until(async () => {
          const rows = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query = $1`, [
            `LISTEN "change_feed_${schema}"`,
          ])
          return rows.rowCount === 1
        })
        before = woken
        await writes.insertOne({ _id: 2 })
        await until(() => woken > before)
      } finally {
        await admin.end()
      }
    } finally {
      await other.close()
      await writerFeed.close()
      await writerStore.close()
    }
  })

  it('an announced write sends no NOTIFY of its own: PostgreSQL would queue concurrent commits behind it', async () => {
    const listener = new pg.Client({ connectionString: databaseUrl })
    await listener.connect()
    try {
      const heard: string[] = []
      listener.on('notification', (message) => heard.push(message.payload ?? ''))
      await listener.query(`LISTEN "change_feed_${schema}"`)
      await createCollection({ store, db: 'feed', coll: 'quiet', announce: () => {} }).insertOne({
        _id: 'announced',
      })
      // A plain write after it notifies, then a marker: notifications arrive in commit order,
      // so once the marker is here, everything before it is too.
      await store.query(
        `INSERT INTO documents (db, coll, id, doc) VALUES ('feed', 'quiet', '"plain"', '{"_id": "plain"}')`,
      )
      await store.query(`SELECT pg_notify('change_feed_${schema}', 'marker')`)
      await until(() => heard.includes('marker'))
      expect(heard).toEqual(['', 'marker'])
    } finally {
      await listener.end()
    }
  })

  it('records a plain SQL UPDATE from a session whose search_path is another schema', async () => {
    const start = await feed.latestPosition()
    await createCollection({ store, db: 'feed', coll: 'operator' }).insertOne({ _id: 'doc', n: 1 })
    const operator = new pg.Client({ connectionString: databaseUrl })
    await operator.connect()
    try {
      await operator.query(
        `UPDATE ${schema}.documents SET doc = jsonb_set(doc, '{n}', '2') WHERE coll = 'operator'`,
      )
    } finally {
      await operator.end()
    }
    const { changes } = await readAll(feed, start, {
      filter: { coll: 'operator' },
      fullDocument: true,
    })
    expect(changes.map(({ event }) => [event.operationType, event.fullDocument])).toEqual([
      ['insert', { _id: 'doc', n: 1 }],
      ['update', { _id: 'doc', n: 2 }],
    ])
  })
})
