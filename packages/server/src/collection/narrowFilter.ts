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
 * Derives SQL conditions from a MongoDB filter that select a superset of what the filter matches,
 * so the database's indexes do the first cut and mingo decides on the few rows left: `_id`
 * equality through the primary key, the custom-data user-id field through its expression index,
 * and string, boolean, ObjectId and Date equalities through the GIN index on `doc`. Everything
 * else (ranges, `$or`, numbers, regular expressions) is left to mingo alone.
 */
export const narrowFilter = (filter: Document, options: NarrowOptions): Narrowing => {
  const clauses: string[] = []
  const params: unknown[] = []
  const param = (value: unknown): string => {
    params.push(value)
    return `$${options.firstParam + params.length - 1}`
  }
  const visit = (conditions: Document): void => {
    for (const [key, condition] of Object.entries(conditions)) {
      if (key === '$and' && Array.isArray(condition)) {
        condition.filter(isPlainObject).forEach(visit)
        continue
      }
      if (key.startsWith('$')) continue
      const values = equalityValues(condition)
      if (!values || values.length === 0) continue
      if (key === '_id') {
        if (values.every(isIdKeyable)) {
          clauses.push(`id = ANY(${param(values.map(idKey))}::text[])`)
        }
        continue
      }
      const segments = key.split('.')
      if (segments.length > MAX_SEGMENTS || segments.some((s) => /^\d+$/.test(s) || s === '')) {
        continue
      }
      if (!values.every(isContainable)) continue
      const alternatives: string[] = []
      for (const value of values) {
        const stored = encodeCanonical(value)
        let shapes = containmentShapes(segments, stored)
        if (key === options.userIdField && typeof value === 'string') {
          // The all-objects shape is what the expression index answers; keep the others.
          alternatives.push(`${userIdExpression(key)} = ${param(value)}`)
          shapes = shapes.slice(1)
        }
        for (const shape of shapes)
          alternatives.push(`doc @> ${param(JSON.stringify(shape))}::jsonb`)
      }
      if (alternatives.length <= MAX_ALTERNATIVES) clauses.push(`(${alternatives.join(' OR ')})`)
    }
  }
  visit(filter)
  return { clauses, params }
}
