import { ObjectId } from 'bson'
import { encodeCanonical } from '../ejson/ejsonCodec'
import type { Document } from './documentCodec'
import { idKey } from './documentCodec'
import { userIdExpression } from './userIdIndex'
import { isPlainObject } from './isPlainObject'

/** SQL conditions (on the `documents` row) that every document matching a filter meets. */
export interface Narrowing {
  readonly clauses: readonly string[]
  readonly params: readonly unknown[]
}

export interface NarrowOptions {
  /** The custom-data collection's user-id field: narrowed through its expression index. */
  readonly userIdField?: string
  /** The number of the first SQL parameter these clauses may use (`$3` after db and coll). */
  readonly firstParam: number
  /**
   * Every matching document holds this user id as a string at `userIdField` (the owner rule,
   * `CollectionAccess.owner`); null: no document can match. The narrowing is then that one
   * equality, which the user-id index answers alone, and conditions on the field add nothing.
   */
  readonly ownerId?: string | null
}

// Paths deeper than this are left to mingo: each segment may hold an array, so a path of n
// segments needs 2^n containment alternatives.
const MAX_SEGMENTS = 3
const MAX_ALTERNATIVES = 32

/**
 * Values whose stored form is one exact JSON value, so that jsonb containment finds every
 * document MongoDB would match. Numbers are left out on purpose: MongoDB matches 1 against
 * 1.0, Long(1) and Decimal128("1"), which are stored differently.
 */
const isContainable = (value: unknown): boolean =>
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  value instanceof ObjectId ||
  value instanceof Date

const isIdKeyable = (value: unknown): boolean =>
  isContainable(value) || (typeof value === 'number' && Number.isFinite(value))

/** Equality values of a condition: `v`, `{ $eq: v }` or `{ $in: [...] }`; undefined if other. */
const equalityValues = (condition: unknown): unknown[] | undefined => {
  if (!isPlainObject(condition) || condition instanceof Date) return [condition]
  const keys = Object.keys(condition)
  if (keys.length !== 1) return keys.some((key) => key.startsWith('$')) ? undefined : [condition]
  if ('$eq' in condition) return [condition.$eq]
  if ('$in' in condition && Array.isArray(condition.$in)) return condition.$in as unknown[]
  return keys[0]?.startsWith('$') ? undefined : [condition]
}

/** `{a: {b: v}}`, `{a: [{b: v}]}`, `{a: {b: [v]}}`...: every shape in which MongoDB sees a.b = v. */
const containmentShapes = (segments: readonly string[], stored: unknown): unknown[] => {
  let shapes: unknown[] = [stored, [stored]]
  for (let index = segments.length - 1; index >= 0; index -= 1) {
    const segment = segments[index] as string
    const wrapped = shapes.map((shape) => ({ [segment]: shape }))
    shapes = index === 0 ? wrapped : [...wrapped, ...wrapped.map((shape) => [shape])]
  }
  return shapes
}

/**
 * The stored `id` keys an `_id` equal to `value` can have. Numbers arrive as plain numbers
 * whatever their EJSON type (the decoder keeps only wide longs and decimals as classes), so one
 * key per value, except that MongoDB (and mingo) also match 0 against -0, and any number against
 * an equal Decimal128: those are found through `DECIMAL_IDS` (see the migration of that index).
 */
const idKeysOf = (value: unknown): string[] =>
  typeof value === 'number' && value === 0 ? [idKey(0), idKey(-0)] : [idKey(value)]

/**
 * Every decimal `_id`. The partial index `documents_decimal_ids` (migration 110) holds these rows
 * alone, with this very predicate, so the alternative costs nothing where there are none.
 */
const DECIMAL_IDS = `id LIKE '{"$numberDecimal"%'`

/**
 * An SQL condition, written only once it is kept: it asks `param` for the placeholder of each
 * value it needs, so a condition left out never leaves parameters behind.
 */
type Clause = (param: (value: unknown) => string) => string

const anyOf =
  (alternatives: readonly Clause[]): Clause =>
  (param) => {
    const parts = alternatives.map((alternative) => alternative(param))
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`
  }

/** The clause for `key` equal to one of `values`, or undefined when SQL cannot help. */
const equalityClause = (
  key: string,
  values: readonly unknown[],
  userIdField: string | undefined,
): Clause | undefined => {
  if (key === '_id') {
    if (!values.every(isIdKeyable)) return undefined
    const ids: Clause = (param) => `id = ANY(${param(values.flatMap(idKeysOf))}::text[])`
    return values.some((value) => typeof value === 'number') ? anyOf([ids, () => DECIMAL_IDS]) : ids
  }
  const segments = key.split('.')
  if (segments.length > MAX_SEGMENTS || segments.some((s) => /^\d+$/.test(s) || s === '')) {
    return undefined
  }
  if (!values.every(isContainable)) return undefined
  const alternatives: Clause[] = []
  for (const value of values) {
    let shapes = containmentShapes(segments, encodeCanonical(value))
    if (key === userIdField && typeof value === 'string') {
      // The all-objects shape is what the expression index answers; keep the others.
      alternatives.push((param) => `${userIdExpression(key)} = ${param(value)}`)
      shapes = shapes.slice(1)
    }
    for (const shape of shapes) {
      alternatives.push((param) => `doc @> ${param(JSON.stringify(shape))}::jsonb`)
    }
    // Too many alternatives cost the planner more than they save: mingo alone decides then.
    if (alternatives.length > MAX_ALTERNATIVES) return undefined
  }
  return anyOf(alternatives)
}

/**
 * Derives SQL conditions from a MongoDB filter that select a superset of what the filter matches,
 * so the database's indexes do the first cut and mingo decides on the few rows left: `_id`
 * equality through the primary key, the custom-data user-id field through its expression index,
 * and string, boolean, ObjectId and Date equalities through the GIN index on `doc`. Everything
 * else (ranges, `$or`, numbers, regular expressions) is left to mingo alone. A condition it
 * cannot narrow adds nothing: neither SQL nor parameters.
 */
export const narrowFilter = (filter: Document, options: NarrowOptions): Narrowing => {
  const clauses: string[] = []
  const params: unknown[] = []
  const param = (value: unknown): string => {
    params.push(value)
    return `$${options.firstParam + params.length - 1}`
  }
  const { ownerId, userIdField } = options
  const owned = ownerId !== undefined && userIdField !== undefined
  if (owned) {
    clauses.push(
      ownerId === null ? 'false' : `${userIdExpression(userIdField)} = ${param(ownerId)}`,
    )
  }
  const visit = (conditions: Document): void => {
    for (const [key, condition] of Object.entries(conditions)) {
      if (key === '$and' && Array.isArray(condition)) {
        condition.filter(isPlainObject).forEach(visit)
        continue
      }
      if (key.startsWith('$') || (owned && key === userIdField)) continue
      const values = equalityValues(condition)
      if (!values || values.length === 0) continue
      const clause = equalityClause(key, values, options.userIdField)
      if (clause) clauses.push(clause(param))
    }
  }
  visit(filter)
  return { clauses, params }
}
