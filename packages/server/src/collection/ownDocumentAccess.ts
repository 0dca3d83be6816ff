import type { CollectionAccess } from './CollectionAccess'
import type { Document } from './documentCodec'
import { isPlainObject } from './isPlainObject'

/** Who the custom-data collection's built-in rule is evaluated for. */
export interface OwnDocumentAccessOptions {
  /** The custom-data `user_id_field` (dots for nested fields). */
  readonly field: string
  /** The calling user's id; undefined (no user) owns nothing. */
  readonly userId: string | undefined
  /** `function`: an application-auth function may read and write; `client`: read only. */
  readonly caller: 'function' | 'client'
  readonly namespace: string
}

/** The value at a dotted path through plain objects only: arrays on the way lead nowhere. */
const fieldOf = (doc: Document, path: string): unknown => {
  let current: unknown = doc
  for (const segment of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined
    current = current[segment]
  }
  return current
}

/**
 * The custom-data collection's rule when the app folder gives it none: a document belongs to the
 * user whose id its `user_id_field` holds, **as a string**. A MongoDB-style rule
 * (`{ userId: "%%user.id" }`) would also match an array holding the id, so a user who set their
 * own `userId` to `[me, you]` would make your next `updateOne({ userId: you }, ..., { upsert })`
 * land in their document (the token lookup, `doc #>> '{userId}' = id`, is exact too). The
 * ownership condition doubles as a query filter, and `owner` tells the SQL narrowing that it is
 * exact, so reads and writes select through the user-id index alone.
 */
export const ownDocumentAccess = (options: OwnDocumentAccessOptions): CollectionAccess => {
  const { field, userId, caller } = options
  const owns = (doc: Document): boolean => userId !== undefined && fieldOf(doc, field) === userId
  const writes = caller === 'function'
  return {
    name: `the owner rule of ${options.namespace}`,
    // Matches nothing when there is no user: `$in: []` is MongoDB's "never".
    queryFilter: () => (userId === undefined ? { [field]: { $in: [] } } : { [field]: userId }),
    owner: { field, userId },
    read: (doc) => (owns(doc) ? doc : null),
    canInsert: (doc) => writes && owns(doc),
    canUpdate: (before, after) => writes && owns(before) && owns(after),
    canDelete: (doc) => writes && owns(doc),
  }
}
