import { Binary, fromBase64 } from './Binary'
import { BSONRegExp } from './BSONRegExp'
import { Decimal128 } from './Decimal128'
import { ObjectId } from './ObjectId'
import { Timestamp } from './Timestamp'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const unencodable = (what: string): TypeError => new TypeError(`Cannot encode ${what} as EJSON`)

// Objects written as literals (or made with Object.create(null)); not class instances.
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value != null && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object)

const encodeLong = (value: number | bigint): Json => ({ $numberLong: String(value) })

const encodeNumber = (value: number): Json => {
  if (Number.isSafeInteger(value) && !Object.is(value, -0))
    return (value | 0) === value ? { $numberInt: String(value) } : encodeLong(value)
  // Doubles (also integral ones beyond 2^53) stay doubles: text like bson's "1152921504606847000"
  // for 2^60 would name a different integer. String() already spells NaN and Infinity canonically.
  return { $numberDouble: Object.is(value, -0) ? '-0.0' : String(value) }
}

const encodeObject = (value: object): Json => {
  if (value instanceof Date) {
    const time = value.getTime()
    if (Number.isNaN(time)) throw unencodable('an invalid Date')
    return { $date: encodeLong(time) }
  }
  if (value instanceof ObjectId) return { $oid: value.toHexString() }
  if (value instanceof Decimal128) return value.toJSON()
  if (value instanceof Uint8Array) return encodeObject(new Binary(value))
  if (value instanceof Binary) {
    const subType = value.sub_type.toString(16).padStart(2, '0')
    return { $binary: { base64: value.toBase64(), subType } }
  }
  // A Timestamp's own fields are `t` and `i`; a BSONRegExp's `pattern` and `options`.
  if (value instanceof Timestamp) return { $timestamp: { ...value } }
  // BSON has no g, y, d or v flags: they steer iteration in JavaScript, not what matches.
  if (value instanceof RegExp)
    return encodeObject(new BSONRegExp(value.source, value.flags.replace(/[dgvy]/g, '')))
  if (value instanceof BSONRegExp) return { $regularExpression: { ...value } }
  // The bson package's values (realm-web's `Realm.BSON.ObjectId`, ...) that migrating code still
  // holds write themselves: each class has toExtendedJSON, canonical unless told otherwise.
  // Not a DBRef (`oid`) or Code (`scope`): bson encodes the values those hold first, which
  // toExtendedJSON leaves as they are. They are refused below.
  const { toExtendedJSON } = value as { toExtendedJSON?: () => Json }
  if (typeof toExtendedJSON === 'function' && !('oid' in value || 'scope' in value))
    return toExtendedJSON.call(value)
  if (!isPlainObject(value)) throw unencodable(`a ${value.constructor.name}`)
  // fromEntries defines each field as its own, `__proto__` included (an assignment would set
  // the prototype instead).
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, item]) =>
      item === undefined ? [] : [[key, serialize(item)]],
    ),
  )
}

/**
 * Encodes a value as canonical EJSON, the form App Services servers read (docs/protocol.md §1.2):
 * every number typed, `bigint` as `$numberLong`, `Date`, `ObjectId`, `Decimal128`, `Binary` (and
 * `Uint8Array`), `Timestamp`, `RegExp`/`BSONRegExp` wrapped, and the `bson` package's classes as
 * bson writes them; `undefined` inside arrays as `null`, `undefined` object fields left out. Other
 * class instances and functions throw a `TypeError`.
 */
export const serialize = (value: unknown): Json => {
  if (value == null) return null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return encodeNumber(value)
  if (typeof value === 'object')
    return Array.isArray(value) ? value.map(serialize) : encodeObject(value)
  if (typeof value !== 'bigint') throw unencodable(`a ${typeof value}`)
  if (BigInt.asIntN(64, value) !== value) throw unencodable(`${value} (over 64 bits)`)
  return encodeLong(value)
}

const decodeLong = (text: string): number | bigint => {
  const big = BigInt(text)
  // Never round silently: beyond 2^53 the value stays exact as a bigint.
  const number = Number(big)
  return Number.isSafeInteger(number) ? number : big
}

const decodeRegExp = (pattern: string, options: string): RegExp | BSONRegExp => {
  try {
    // JavaScript has BSON's i, m, s and u options; x and l (and PCRE-only syntax) stay data.
    if (/^[imsu]*$/.test(options)) return new RegExp(pattern, options)
  } catch {
    // Falls through to BSONRegExp.
  }
  return new BSONRegExp(pattern, options)
}

// A wrapper whose content has the wrong type throws here, and the object stays plain data.
const text = (value: unknown): string => {
  if (typeof value !== 'string') throw new TypeError()
  return value
}

type Fields = Record<string, unknown>

const decodeNumber = (inner: unknown): number => Number(text(inner))

const DECODERS: Record<string, (inner: Fields) => unknown> = {
  $oid: (inner) => new ObjectId(text(inner)),
  $numberInt: decodeNumber,
  $numberDouble: decodeNumber,
  $numberLong: (inner) => decodeLong(text(inner)),
  $numberDecimal: (inner) => new Decimal128(text(inner)),
  $date: (inner) => new Date(typeof inner === 'object' ? Number(text(inner.$numberLong)) : inner),
  $binary: (inner) => new Binary(fromBase64(text(inner.base64)), parseInt(text(inner.subType), 16)),
  $timestamp: (inner) => new Timestamp(inner as { t: number; i: number }),
  $regularExpression: (inner) => decodeRegExp(text(inner.pattern), text(inner.options)),
}

/**
 * Decodes canonical or relaxed EJSON into JavaScript values: numbers (`bigint` for longs beyond
 * 2^53), `Date`, `ObjectId`, `Decimal128`, `Binary`, `Timestamp`, and `RegExp` (or `BSONRegExp`
 * for options JavaScript lacks). Plain JSON passes through; a malformed wrapper stays plain data.
 */
export const deserialize = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(deserialize)
  if (!isPlainObject(value)) return value
  const keys = Object.keys(value)
  const [key] = keys
  const decode = keys.length === 1 && key?.[0] === '$' ? DECODERS[key] : undefined
  if (decode) {
    try {
      return decode(value[key!] as Fields)
    } catch {
      // A malformed wrapper (a bad ObjectId, an unparsable long) stays plain data.
    }
  }
  // Own fields, `__proto__` included: an assignment would set the prototype instead.
  return Object.fromEntries(keys.map((name) => [name, deserialize(value[name])]))
}
