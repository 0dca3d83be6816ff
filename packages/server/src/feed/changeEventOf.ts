import { Timestamp } from 'bson'
import { decodeEjson } from '../ejson/ejsonCodec'
import type { ChangeEvent, FeedDocument, OperationType } from './ChangeEvent'
import { resumeTokenOf, type FeedPosition } from './FeedPosition'
import { updateDescriptionOf } from './updateDescriptionOf'

/** One row of `change_events` with the batch it was sealed in, bigints as text. */
export interface ChangeRow {
  readonly batch: string
  readonly seq: string
  readonly at: Date | string
  readonly db: string
  readonly coll: string
  readonly doc_id: string
  readonly op: OperationType
  readonly before_text: string | null
  readonly after_text: string | null
  /** How many trigger functions led to this write (migration 151); 0 for any other writer. */
  readonly depth: number
}

/** Which images of the document an event carries beyond MongoDB's defaults. */
export interface ImageOptions {
  /** The document after the change on update events too (insert and replace always have it). */
  readonly fullDocument?: boolean
  /** The document before the change on update, replace and delete events. */
  readonly fullDocumentBeforeChange?: boolean
}

/** An event and its place in the feed. */
export interface FeedChange {
  readonly position: FeedPosition
  readonly event: ChangeEvent
  /**
   * The write's place in a chain of database triggers: 0 for a write by a client, the server or
   * an operator; n + 1 for a write by a trigger function that ran for an event of depth n. Not
   * part of MongoDB's event: it is how the trigger runner stops a trigger that feeds itself.
   */
  readonly depth: number
}

const decodeText = (text: string): unknown => decodeEjson(JSON.parse(text))

const documentOf = (text: string | null): FeedDocument | undefined =>
  text === null ? undefined : (decodeText(text) as FeedDocument)

const UINT32 = 2n ** 32n

/** A row of the feed as the MongoDB change event it records. */
export const changeEventOf = (row: ChangeRow, options: ImageOptions = {}): FeedChange => {
  const position = { batch: BigInt(row.batch), seq: BigInt(row.seq) }
  const wallTime = new Date(row.at)
  const before = documentOf(row.before_text)
  const after = documentOf(row.after_text)
  const withAfter = row.op === 'insert' || row.op === 'replace' || options.fullDocument === true
  const event: ChangeEvent = {
    _id: resumeTokenOf(position),
    operationType: row.op,
    clusterTime: new Timestamp({
      t: Math.floor(wallTime.getTime() / 1000),
      i: Number(position.seq % UINT32),
    }),
    wallTime,
    ns: { db: row.db, coll: row.coll },
    documentKey: { _id: decodeText(row.doc_id) },
    ...(withAfter && after ? { fullDocument: after } : {}),
    ...(row.op === 'update' && before && after
      ? { updateDescription: updateDescriptionOf(before, after) }
      : {}),
    ...(options.fullDocumentBeforeChange && before ? { fullDocumentBeforeChange: before } : {}),
  }
  return { position, event, depth: Number(row.depth) }
}
