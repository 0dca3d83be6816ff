import { EJSON, Timestamp } from 'bson'
import { update as mingoUpdate } from 'mingo'
import { mongoError } from './mongoError'
import type { Document } from './documentCodec'
import { withRegExps } from './filterView'
import { withMingo } from './mingoQueries'
import { isWideNumber } from './queryView'
import { isPlainObject } from './isPlainObject'

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$setOnInsert',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$bit',
])
const NUMERIC_OPERATORS = new Set(['$inc', '$mul'])
const ARRAY_OPERATORS = new Set(['$push', '$addToSet', '$pull', '$pullAll', '$pop'])

export interface ApplyUpdateOptions {
  /** True when the update shapes a document an upsert is about to insert. */
  readonly isInsert: boolean
  /** The time `$currentDate` writes. */
  readonly now: Date
  readonly arrayFilters?: readonly Document[]
  /** The filter that matched the document, for the positional `$` operator. */
  readonly filter?: Document
}

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

/** The value at a dotted path through objects and array indexes; undefined if absent. */
const valueAt = (doc: Document, path: string): { positional: boolean; value: unknown } => {
  let current: unknown = doc
  for (const segment of path.split('.')) {
    if (segment.startsWith('$')) return { positional: true, value: undefined }
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)]
    else if (isPlainObject(current)) current = current[segment]
    else return { positional: false, value: undefined }
    if (current === undefined) break
  }
  return { positional: false, value: current }
}

/** Refuses what MongoDB refuses but mingo would silently skip (`$inc` on a string, ...). */
const checkTypes = (doc: Document, operator: string, fields: Document): void => {
  for (const [path, operand] of Object.entries(fields)) {
    const { positional, value } = valueAt(doc, path)
    if (NUMERIC_OPERATORS.has(operator)) {
      if (typeof operand !== 'number') {
        throw mongoError(
          isWideNumber(operand)
            ? `${operator} with a Long or Decimal128 operand is not supported; use $set`
            : `cannot ${operator} with a non-numeric argument at "${path}"`,
        )
      }
      if (isWideNumber(value)) {
        throw mongoError(
          `${operator} on a Long or Decimal128 value ("${path}") is not supported; use $set`,
        )
      }
      if (!positional && value !== undefined && typeof value !== 'number') {
        throw mongoError(
          `cannot apply ${operator} to "${path}", a value of type ${typeName(value)}`,
        )
      }
    }
    if (
      (operator === '$min' || operator === '$max') &&
      (isWideNumber(value) || isWideNumber(operand))
    ) {
      throw mongoError(`${operator} with Long or Decimal128 values ("${path}") is not supported`)
    }
    if (
      ARRAY_OPERATORS.has(operator) &&
      !positional &&
      value !== undefined &&
      !Array.isArray(value)
    ) {
      throw mongoError(
        `the field "${path}" must be an array for ${operator} but is of type ${typeName(value)}`,
      )
    }
  }
}

/**
 * Applies MongoDB update operators to `doc` in place and answers whether it changed. mingo does
 * the work; this adds what it leaves out or does differently from MongoDB: `$setOnInsert` (applied
 * only when the upsert inserts), `$currentDate` from the server's clock (Date or Timestamp), and
 * the errors MongoDB gives for an update without operators, an unknown operator, or an operator on
 * a field of the wrong type.
 */
export const applyUpdate = (
  doc: Document,
  update: unknown,
  options: ApplyUpdateOptions,
): boolean => {
  if (Array.isArray(update))
    throw mongoError('update pipelines are not supported; use update operators')
  if (!isPlainObject(update) || Object.keys(update).length === 0) {
    throw mongoError(
      'the update must be a non-empty object of update operators such as { "$set": {...} }',
    )
  }
  const modifier: Document = {}
  const set: Document = {}
  const claimed = new Set<string>()
  const claim = (path: string): void => {
    // mingo would write a field named "" (or skip the path): MongoDB refuses it.
    if (path.split('.').includes('')) {
      throw mongoError(
        `the update path '${path}' contains an empty field name, which is not allowed`,
      )
    }
    if (claimed.has(path)) {
      throw mongoError(`updating the path "${path}" twice in one update would conflict`)
    }
    claimed.add(path)
  }
  for (const [operator, fields] of Object.entries(update)) {
    if (!operator.startsWith('$')) {
      throw mongoError(
        `the update must use update operators such as $set ("${operator}" is a field); use replaceOne to replace a document`,
      )
    }
    if (!OPERATORS.has(operator)) throw mongoError(`unknown update operator "${operator}"`)
    if (!isPlainObject(fields)) throw mongoError(`the argument of ${operator} must be an object`)
    for (const path of Object.keys(fields)) claim(path)
    if (operator === '$rename') {
      for (const target of Object.values(fields)) {
        if (typeof target !== 'string')
          throw mongoError('$rename needs a field name as each target')
        claim(target)
      }
    }
    if (operator === '$setOnInsert') {
      if (options.isInsert) Object.assign(set, fields)
    } else if (operator === '$currentDate') {
      for (const [path, spec] of Object.entries(fields)) {
        const asTimestamp = isPlainObject(spec) && spec.$type === 'timestamp'
        if (!(spec === true || (isPlainObject(spec) && (spec.$type === 'date' || asTimestamp)))) {
          throw mongoError(
            `$currentDate for "${path}" must be true or { "$type": "date" | "timestamp" }`,
          )
        }
        set[path] = asTimestamp
          ? new Timestamp({ t: Math.floor(options.now.getTime() / 1000), i: 1 })
          : new Date(options.now.getTime())
      }
    } else if (operator === '$set') {
      Object.assign(set, fields)
    } else {
      checkTypes(doc, operator, fields)
      // $pull takes conditions, whose regular expressions mingo needs as RegExps.
      modifier[operator] = operator === '$pull' ? withRegExps(fields) : fields
    }
  }
  if ('_id' in set) {
    // An upsert may choose the new document's _id; an update may only "set" the one it has.
    if (options.isInsert) {
      if (doc._id === undefined) doc._id = set._id
    } else if (EJSON.stringify(set._id) !== EJSON.stringify(doc._id)) {
      throw mongoError(
        "performing an update on the path '_id' would modify the immutable field '_id'",
      )
    }
    delete set._id
  }
  if (Object.keys(set).length > 0) modifier.$set = set
  if (Object.keys(modifier).length === 0) return false
  const changed = withMingo(() =>
    mingoUpdate(
      doc,
      modifier,
      withRegExps(options.arrayFilters) as Document[] | undefined,
      // mingo checks this condition again before updating; only the positional $ needs it.
      [...claimed].some((path) => /(^|\.)\$(\.|$)/.test(path))
        ? (withRegExps(options.filter) as Document)
        : undefined,
      { cloneMode: 'deep' },
    ),
  )
  return changed.length > 0
}
