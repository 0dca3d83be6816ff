import type { Timestamp } from 'bson'

/** A stored document, decoded: BSON values as bson's classes, as functions see them. */
export type FeedDocument = Record<string, unknown>

/** The kinds of change the feed records, in MongoDB's spelling. */
export type OperationType = 'insert' | 'update' | 'replace' | 'delete'

/** An event's `_id`: opaque to consumers; `feedPositionOf` reads the place in the feed from it. */
export interface ResumeToken {
  readonly _data: string
}

/** What an update changed, as MongoDB describes it (`updateDescription`). */
export interface UpdateDescription {
  /** Changed or added fields, by dotted path into nested documents; arrays are whole. */
  readonly updatedFields: FeedDocument
  /** Removed fields, by dotted path. */
  readonly removedFields: readonly string[]
  /** Always empty: arrays are reported whole in `updatedFields`. */
  readonly truncatedArrays: readonly never[]
}

/**
 * A change event in MongoDB's shape (what App Services gave database triggers and `watch()`).
 * `fullDocument` is always there on insert and replace events, and on update events when the
 * reader asked for it: the document just after this change (not a later lookup).
 * `fullDocumentBeforeChange` is there when the reader asked for it: the document just before.
 */
export interface ChangeEvent {
  readonly _id: ResumeToken
  readonly operationType: OperationType
  /** When the write happened (its seconds; `i` tells events of one second apart). Not an order: use `_id`. */
  readonly clusterTime: Timestamp
  /** When the write happened, as a Date. */
  readonly wallTime: Date
  readonly ns: { readonly db: string; readonly coll: string }
  readonly documentKey: { readonly _id: unknown }
  readonly fullDocument?: FeedDocument
  readonly fullDocumentBeforeChange?: FeedDocument
  /** On update events only. */
  readonly updateDescription?: UpdateDescription
}
