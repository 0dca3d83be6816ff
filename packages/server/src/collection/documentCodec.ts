import { EJSON, ObjectId } from 'bson'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'

export type Document = Record<string, unknown>

/**
 * A document as the store keeps it: canonical EJSON, so BSON types survive, as text in
 * `doc_text` (its fields in the written order) and as jsonb in `doc` (what queries use).
 */
export const toStored = (doc: Document): string => JSON.stringify(encodeCanonical(doc))

/**
 * A stored document back to the values queries and functions see: from `doc_text` (a string,
 * parsed here so its fields keep their order) or from jsonb the driver already parsed.
 */
export const fromStored = (stored: unknown): Document =>
  decodeEjson(typeof stored === 'string' ? JSON.parse(stored) : stored) as Document

/** The text form of an `_id` for the `documents.id` column: canonical EJSON, so types never collide. */
export const idKey = (id: unknown): string => EJSON.stringify(id, { relaxed: false })

/**
 * The document as MongoDB inserts it: `_id` first, a new ObjectId when it has none. `null` is a
 * valid `_id` in MongoDB, so only a missing one is generated.
 */
export const withId = (doc: Document): Document => ({
  _id: doc._id === undefined ? new ObjectId() : doc._id,
  ...doc,
})
