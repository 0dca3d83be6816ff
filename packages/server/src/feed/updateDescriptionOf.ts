import { EJSON } from 'bson'
import type { FeedDocument, UpdateDescription } from './ChangeEvent'

const isDocument = (value: unknown): value is FeedDocument =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype

const same = (a: unknown, b: unknown): boolean =>
  EJSON.stringify(a, { relaxed: false }) === EJSON.stringify(b, { relaxed: false })

/**
 * What changed from `before` to `after`, as MongoDB's `updateDescription`: a field changed inside
 * a nested document is reported by its dotted path (`{ "prefs.theme": "dark" }`, as a `$set` of
 * that path reports it), an array that changed is reported whole, and fields that disappeared are
 * listed in `removedFields`. MongoDB reports the paths its update operators named; computed from
 * the two documents, a nested document replaced by one differing in a single field is reported
 * by that field's path rather than whole.
 */
export const updateDescriptionOf = (
  before: FeedDocument,
  after: FeedDocument,
): UpdateDescription => {
  // Entries, made an object at the end: fromEntries keeps a "__proto__" path as data.
  const updated: [string, unknown][] = []
  const removedFields: string[] = []
  const walk = (from: FeedDocument, to: FeedDocument, prefix: string): void => {
    for (const [key, value] of Object.entries(to)) {
      const path = prefix + key
      const old = from[key]
      if (!Object.hasOwn(from, key)) updated.push([path, value])
      else if (isDocument(old) && isDocument(value)) walk(old, value, `${path}.`)
      else if (!same(old, value)) updated.push([path, value])
    }
    for (const key of Object.keys(from))
      if (!Object.hasOwn(to, key)) removedFields.push(prefix + key)
  }
  walk(before, after, '')
  return { updatedFields: Object.fromEntries(updated), removedFields, truncatedArrays: [] }
}
