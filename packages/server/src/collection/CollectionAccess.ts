import type { Document } from './documentCodec'

/**
 * What one caller may do to one collection: App Services' rules, evaluated per document. Reads
 * skip the documents `canRead` refuses (they do not exist for this caller); writes that would
 * touch a document the caller may see but not change fail with `NoMatchingRuleFound`.
 */
export interface CollectionAccess {
  /** A description for error messages: "the rules of app.notes". */
  readonly name: string
  /** Conditions added to every filter (App Services "filters"); undefined for none. */
  readonly queryFilter: Document | undefined
  canRead(doc: Document): boolean
  canInsert(doc: Document): boolean
  /** Checked with the document before and after the change (it may not move out of reach). */
  canUpdate(before: Document, after: Document): boolean
  canDelete(doc: Document): boolean
}

/** System access: everything allowed, as for `run_as_system` functions and the server itself. */
export const systemAccess: CollectionAccess = {
  name: 'system access',
  queryFilter: undefined,
  canRead: () => true,
  canInsert: () => true,
  canUpdate: () => true,
  canDelete: () => true,
}
