import { mongoError } from './mongoError'
import type { Document } from './documentCodec'

// A NUL, or a UTF-16 surrogate without its other half: PostgreSQL's jsonb cannot store either.
const BAD_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** MongoDB nests documents at most 100 levels deep. */
const MAX_DEPTH = 100

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * Refuses a document the store could not keep exactly, before anything is written: field names
 * starting with `$` (stored EJSON would read them back as a type wrapper such as `$oid`), the key
 * `__proto__`, NUL characters and unpaired surrogates, an array or a regular expression as `_id`,
 * `undefined` values, and nesting deeper than MongoDB's 100 levels. Dotted field names are kept
 * literally, as MongoDB 5+ does; queries cannot address them (MongoDB's own caveat).
 */
export const validateDocument = (doc: Document): void => {
  const id = doc._id
  if (Array.isArray(id)) throw mongoError('_id cannot be an array')
  // A RegExp from function code, a BSONRegExp from EJSON ({"$regularExpression": ...}).
  if (id instanceof RegExp || (id as { _bsontype?: unknown } | null)?._bsontype === 'BSONRegExp') {
    throw mongoError('_id cannot be a regular expression')
  }
  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === 'string') {
      if (BAD_TEXT.test(value)) {
        throw mongoError(`"${path}" contains a NUL character or an unpaired UTF-16 surrogate`)
      }
      return
    }
    if (value === undefined) throw mongoError(`"${path}" is undefined; use null or leave it out`)
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw mongoError(`"${path}" holds a ${typeof value}, which a document cannot store`)
    }
    if (typeof value !== 'object' || value === null) return
    if (depth > MAX_DEPTH) throw mongoError(`the document nests deeper than ${MAX_DEPTH} levels`)
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}.${index}`, depth + 1))
      return
    }
    if (!isPlainObject(value)) return // Date, ObjectId, Long, Binary...: bson encodes them.
    for (const [key, item] of Object.entries(value)) {
      const where = path === '' ? key : `${path}.${key}`
      if (key.startsWith('$')) {
        throw mongoError(`field names cannot start with "$" ("${where}")`)
      }
      if (key === '__proto__') throw mongoError(`the field name "__proto__" is not allowed`)
      if (BAD_TEXT.test(key)) {
        throw mongoError(
          `a field name in "${path}" contains a NUL character or an unpaired surrogate`,
        )
      }
      visit(item, where, depth + 1)
    }
  }
  visit(doc, '', 0)
}
