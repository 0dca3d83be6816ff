import { ObjectId } from './ObjectId'

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

const encodeNumber = (value: number): Json => {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (value >= INT32_MIN && value <= INT32_MAX) return { $numberInt: String(value) }
    if (Number.isSafeInteger(value)) return { $numberLong: String(value) }
  }
  if (Number.isNaN(value)) return { $numberDouble: 'NaN' }
  if (!Number.isFinite(value)) return { $numberDouble: value > 0 ? 'Infinity' : '-Infinity' }
  return { $numberDouble: Object.is(value, -0) ? '-0.0' : String(value) }
}

/**
 * Encodes a value as canonical EJSON, the form App Services servers read (PROTOCOL.md §1.2):
 * every number typed, dates and ObjectIds wrapped, `undefined` inside arrays as `null` and
 * `undefined` object fields left out.
 */
export const serialize = (value: unknown): Json => {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return encodeNumber(value)
    case 'bigint':
      return { $numberLong: value.toString() }
    case 'object':
      break
    default:
      throw new TypeError(`Cannot encode a ${typeof value} as EJSON`)
  }
  if (Array.isArray(value)) return value.map(serialize)
  if (value instanceof Date) return { $date: { $numberLong: String(value.getTime()) } }
  if (value instanceof ObjectId) return { $oid: value.toHexString() }
  if (!isPlainObject(value)) {
    throw new TypeError(`Cannot encode an instance of ${value.constructor.name} as EJSON`)
  }
  const out: { [key: string]: Json } = {}
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[key] = serialize(item)
  }
  return out
}

const decodeWrapper = (key: string, inner: unknown, whole: Record<string, unknown>): unknown => {
  switch (key) {
    case '$oid':
      return typeof inner === 'string' ? new ObjectId(inner) : whole
    case '$numberInt':
    case '$numberDouble':
      return typeof inner === 'string' ? Number(inner) : whole
    case '$numberLong': {
      if (typeof inner !== 'string') return whole
      const big = BigInt(inner)
      // Never round silently: beyond 2^53 the value stays exact as a bigint.
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big
    }
    case '$date': {
      if (typeof inner === 'string') return new Date(inner)
      if (typeof inner === 'number') return new Date(inner)
      if (isPlainObject(inner) && typeof inner.$numberLong === 'string')
        return new Date(Number(inner.$numberLong))
      return whole
    }
    default:
      return undefined
  }
}

/**
 * Decodes canonical or relaxed EJSON into JavaScript values: numbers (bigint beyond 2^53),
 * `Date`, `ObjectId`. Plain JSON passes through unchanged.
 */
export const deserialize = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(deserialize)
  if (!isPlainObject(value)) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0]?.startsWith('$')) {
    const decoded = decodeWrapper(keys[0], value[keys[0]], value)
    if (decoded !== undefined) return decoded
  }
  const out: Record<string, unknown> = {}
  for (const key of keys) out[key] = deserialize(value[key])
  return out
}
