import type { DatabaseTriggerConfig } from '../appFolder/TriggerConfig'
import { encodeCanonical } from '../ejson/ejsonCodec'
import type { OperationType } from '../feed/ChangeEvent'
import type { ChangeFeed } from '../feed/createChangeFeed'
import { saveCursor } from '../feed/feedCursors'
import type { FeedPosition } from '../feed/FeedPosition'
import type { Store } from '../store/Store'
import type { EventFilter } from './compileEventFilter'
import { cursorNameOf } from './registerTriggers'

const PAGE = 500

/**
 * Moves one page of the change feed into a database trigger's queue (`trigger_events`): the
 * events of its collection and operation types that pass its `match`, projected, in feed order,
 * and its cursor past the page, in one transaction, so an event is queued exactly once whatever
 * crashes. Another process pumping the same trigger at once finds the cursor moved and gives up
 * its page. Answers whether there may be more to pump.
 */
export const pumpDatabaseTrigger = async (
  store: Store,
  feed: ChangeFeed,
  pumped: {
    readonly trigger: DatabaseTriggerConfig
    readonly filter: EventFilter
    /** Each cursor as this process last saved it; kept up to date here. */
    readonly known: Map<string, FeedPosition>
  },
): Promise<boolean> => {
  const { trigger, filter, known } = pumped
  const name = cursorNameOf(trigger.name)
  // Where this process last left the cursor saves a read; the transaction below checks it.
  const remembered = known.get(name)
  const cursor = remembered ? { position: remembered } : await feed.cursors.read(name)
  if (!cursor) return false
  const page = await feed.readChanges({
    after: cursor.position,
    limit: PAGE,
    filter: {
      db: trigger.database,
      coll: trigger.collection,
      operationTypes: trigger.operationTypes.map((op) => op.toLowerCase() as OperationType),
    },
    fullDocument: trigger.fullDocument,
    fullDocumentBeforeChange: trigger.fullDocumentBeforeChange,
  })
  if (page.position.batch === cursor.position.batch && page.position.seq === cursor.position.seq) {
    return false
  }
  const matched = page.changes.filter((change) => filter.matches(change.event))
  const payloads = matched.map((change) =>
    JSON.stringify(encodeCanonical(filter.project(change.event))),
  )
  const depths = matched.map((change) => change.depth)
  if (payloads.length === 0) {
    // Nothing to queue: moving the cursor needs no lock (a save never moves it back).
    await saveCursor(store, name, page.position)
    known.set(name, page.position)
    return !page.caughtUp
  }
  const moved = await store.transaction(async (tx) => {
    const [row] = await tx.query<{ batch: string; seq: string }>(
      'SELECT batch::text AS batch, seq::text AS seq FROM change_cursors WHERE name = $1 FOR UPDATE',
      [name],
    )
    if (
      !row ||
      row.batch !== cursor.position.batch.toString() ||
      row.seq !== cursor.position.seq.toString()
    ) {
      return false
    }
    {
      await tx.query(
        `INSERT INTO trigger_events (trigger, payload, depth)
         SELECT $1, p, d FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS t (p, d, n)
          ORDER BY n`,
        [trigger.name, payloads, depths],
      )
    }
    await saveCursor(tx, name, page.position)
    return true
  })
  if (moved) known.set(name, page.position)
  else known.delete(name)
  return moved ? !page.caughtUp : true
}
