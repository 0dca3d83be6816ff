import type { Document } from './documentCodec'

/** An answer now, or later when a rule had to run an app function (`%function`) first. */
export type Decision<T> = T | Promise<T>

/**
 * What one caller may do to one collection: App Services' rules, evaluated per document. Reads
 * see each document as `read` returns it: skipped when it is null (the document does not exist
 * for this caller), else without the fields the caller may not read, and filters match that
 * view. Writes that would touch a document the caller may see but not change, or change a field
 * the caller may not write, fail with `NoMatchingRuleFound`.
 */
export interface CollectionAccess {
  /** A description for error messages: "the rules of app.notes". */
  readonly name: string
  /** Conditions added to every filter (App Services "filters"); undefined for none. */
  queryFilter(): Decision<Document | undefined>
  /**
   * Set when every document this caller may read holds one user id, as a string, at `field`
   * through plain objects (the custom-data owner rule); `userId` undefined: no document. The SQL
   * narrowing then selects on that equality alone, through the user-id index, instead of also
   * looking for the id inside arrays (what MongoDB's `{ field: id }` matches, the owner rule
   * never), which goes through the GIN index (issue 19).
   */
  readonly owner?: { readonly field: string; readonly userId: string | undefined }
  /**
   * The stored document as this caller sees it: the document itself, a copy without the fields
   * it may not read (field-level permissions, filter projections), or null when it may not read
   * the document at all.
   */
  read(doc: Document): Decision<Document | null>
  /** Checked with the whole new document. */
  canInsert(doc: Document): Decision<boolean>
  /**
   * Checked with the whole document before and after the change: the change may touch only
   * fields the caller may write, and the document may not move out of reach.
   */
  canUpdate(before: Document, after: Document): Decision<boolean>
  canDelete(doc: Document): Decision<boolean>
}

/** System access: everything allowed, as for `run_as_system` functions and the server itself. */
export const systemAccess: CollectionAccess = {
  name: 'system access',
  queryFilter: () => undefined,
  read: (doc) => doc,
  canInsert: () => true,
  canUpdate: () => true,
  canDelete: () => true,
}
