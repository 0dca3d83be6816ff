import * as bson from 'bson'
import { describe, expect, it } from 'vitest'
import { Binary } from './Binary'
import { BSONRegExp } from './BSONRegExp'
import { Decimal128 } from './Decimal128'
import { deserialize, serialize } from './ejson'
import { ObjectId } from './ObjectId'
import { Timestamp } from './Timestamp'

const { EJSON } = bson
const HEX = '65a0000000000000000000ee'
const bytes = new Uint8Array([0, 1, 2, 250, 255])
const uuid = Uint8Array.from({ length: 16 }, (_, index) => index * 16)

/** One value in our classes and the same value in the `bson` package's. */
interface Case {
  readonly name: string
  readonly ours: unknown
  readonly theirs: unknown
}

// The corpus: every type the codec knows, at its edges, alone and nested.
const corpus: Case[] = [
  { name: 'int32', ours: 42, theirs: 42 },
  { name: 'int32 min', ours: -(2 ** 31), theirs: -(2 ** 31) },
  { name: 'safe integer beyond int32', ours: 2 ** 40, theirs: 2 ** 40 },
  { name: 'double', ours: 2.5, theirs: 2.5 },
  { name: 'tiny double', ours: 5e-324, theirs: 5e-324 },
  { name: 'huge double', ours: 1.5e300, theirs: 1.5e300 },
  { name: 'negative zero', ours: -0, theirs: -0 },
  { name: 'NaN', ours: NaN, theirs: NaN },
  { name: 'Infinity', ours: -Infinity, theirs: -Infinity },
  { name: 'string', ours: 'héllo "ö" \u0000', theirs: 'héllo "ö" \u0000' },
  { name: 'booleans and null', ours: [true, false, null], theirs: [true, false, null] },
  { name: 'long beyond 2^53', ours: 2n ** 62n + 1n, theirs: bson.Long.fromBigInt(2n ** 62n + 1n) },
  { name: 'long min', ours: -(2n ** 63n), theirs: bson.Long.fromBigInt(-(2n ** 63n)) },
  { name: 'date', ours: new Date(1_700_000_000_123), theirs: new Date(1_700_000_000_123) },
  { name: 'date before 1970', ours: new Date(-86_400_000), theirs: new Date(-86_400_000) },
  { name: 'ObjectId', ours: new ObjectId(HEX), theirs: new bson.ObjectId(HEX) },
  {
    name: 'Decimal128',
    ours: new Decimal128('1.10'),
    theirs: bson.Decimal128.fromString('1.10'),
  },
  {
    name: 'Decimal128 exponent',
    ours: new Decimal128('-1.5E+20'),
    theirs: bson.Decimal128.fromString('-1.5E+20'),
  },
  { name: 'Binary', ours: new Binary(bytes), theirs: new bson.Binary(bytes) },
  {
    name: 'Binary UUID subtype',
    ours: new Binary(uuid, 4),
    theirs: new bson.Binary(uuid, 4),
  },
  {
    name: 'empty Binary',
    ours: new Binary(new Uint8Array()),
    theirs: new bson.Binary(new Uint8Array()),
  },
  {
    name: 'Timestamp',
    ours: new Timestamp({ t: 1_700_000_000, i: 7 }),
    theirs: new bson.Timestamp({ t: 1_700_000_000, i: 7 }),
  },
  { name: 'RegExp', ours: /a+b\.c/imsu, theirs: /a+b\.c/imsu },
  {
    name: 'BSONRegExp with options JavaScript lacks',
    ours: new BSONRegExp('a b', 'xi'),
    theirs: new bson.BSONRegExp('a b', 'ix'),
  },
  {
    name: 'nested document',
    ours: { a: [1, { b: new Date(0), c: [new ObjectId(HEX), 2n ** 60n] }], d: { e: null } },
    theirs: {
      a: [1, { b: new Date(0), c: [new bson.ObjectId(HEX), bson.Long.fromBigInt(2n ** 60n)] }],
      d: { e: null },
    },
  },
  {
    name: 'keys that look like operators',
    ours: { $set: { 'a.b': 1 }, $inc: { n: 2 } },
    theirs: { $set: { 'a.b': 1 }, $inc: { n: 2 } },
  },
]

const canonical = (value: unknown): unknown => EJSON.serialize(value, { relaxed: false })

describe('ejson: a corpus round-trips between our codec and the bson package', () => {
  it.each(corpus)('$name: we encode what bson encodes', ({ ours, theirs }) => {
    expect(serialize(ours)).toEqual(canonical(theirs))
  })

  it.each(corpus)(
    "$name: we encode bson's own values (realm-web's Realm.BSON) as bson does",
    ({ theirs }) => {
      expect(serialize(theirs)).toEqual(canonical(theirs))
    },
  )

  it.each(corpus)(
    '$name: bson decodes what we encode back to the same value',
    ({ ours, theirs }) => {
      const wire = JSON.parse(JSON.stringify(serialize({ v: ours }))) as bson.Document
      const decoded = EJSON.deserialize(wire, { relaxed: false, useBigInt64: true }) as {
        v: unknown
      }
      expect(canonical(decoded.v)).toEqual(canonical(theirs))
    },
  )

  it.each(corpus)(
    '$name: we decode what bson encodes, canonical and relaxed',
    ({ ours, theirs }) => {
      for (const relaxed of [false, true]) {
        const wire = JSON.parse(EJSON.stringify({ v: theirs }, { relaxed })) as unknown
        const { v } = deserialize(wire) as { v: unknown }
        // Relaxed EJSON writes numbers as plain JSON: a long beyond 2^53 has already lost
        // precision in bson, and -0 became 0; only the canonical form carries those exactly.
        if (relaxed && /\$numberLong|-0\.0/.test(JSON.stringify(serialize(ours)))) continue
        expect(serialize(v)).toEqual(serialize(ours))
      }
    },
  )
})

describe('ejson: decoding', () => {
  it('keeps longs beyond 2^53 exact as bigint and smaller ones as numbers', () => {
    expect(deserialize({ $numberLong: '9007199254740993' })).toBe(9007199254740993n)
    expect(deserialize({ $numberLong: '-9223372036854775808' })).toBe(-(2n ** 63n))
    expect(deserialize({ $numberLong: '9007199254740991' })).toBe(9007199254740991)
    expect(deserialize({ $numberLong: '42' })).toBe(42)
  })

  it('decodes every wrapper into our classes', () => {
    const decoded = deserialize({
      o: { $oid: HEX },
      d: { $date: '2024-01-02T03:04:05.678Z' },
      n: { $date: { $numberLong: '0' } },
      m: { $numberDecimal: '1.10' },
      b: { $binary: { base64: 'AAEC+v8=', subType: '04' } },
      t: { $timestamp: { t: 5, i: 6 } },
      r: { $regularExpression: { pattern: 'a.b', options: 'is' } },
      x: { $regularExpression: { pattern: 'a b', options: 'x' } },
      p: { $regularExpression: { pattern: '(?<!a', options: '' } },
      f: { $numberDouble: '-0.0' },
      i: { $numberDouble: 'Infinity' },
    }) as Record<string, unknown>
    expect(decoded.o).toEqual(new ObjectId(HEX))
    expect(decoded.d).toEqual(new Date('2024-01-02T03:04:05.678Z'))
    expect(decoded.n).toEqual(new Date(0))
    expect(String(decoded.m)).toBe('1.10')
    expect(decoded.b).toEqual(new Binary(bytes, 4))
    expect(decoded.t).toEqual(new Timestamp({ t: 5, i: 6 }))
    expect(decoded.r).toEqual(/a.b/is)
    // `x` has no JavaScript flag, and a pattern JavaScript cannot compile stays data too.
    expect(decoded.x).toEqual(new BSONRegExp('a b', 'x'))
    expect(decoded.p).toEqual(new BSONRegExp('(?<!a', ''))
    expect(Object.is(decoded.f, -0)).toBe(true)
    expect(decoded.i).toBe(Infinity)
  })

  it('keeps a field named __proto__ as data, never as the prototype', () => {
    // A document may hold any field name; `__proto__` assigned like another would replace the
    // decoded object's prototype, and the object would then no longer encode.
    const decoded = deserialize(JSON.parse('{"__proto__":{"admin":true},"a":1}')) as object
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.keys(decoded)).toEqual(['__proto__', 'a'])
    expect((decoded as { admin?: unknown }).admin).toBeUndefined()
    expect(serialize(decoded)).toEqual(
      JSON.parse('{"__proto__":{"admin":true},"a":{"$numberInt":"1"}}'),
    )
  })

  it('leaves plain JSON, unknown wrappers and malformed wrappers as plain data', () => {
    const malformed: Record<string, unknown>[] = [
      { $oid: 'not hex' },
      { $oid: 5 },
      { $numberLong: '1.5' },
      { $numberInt: { nested: 1 } },
      { $date: { $numberLong: 7 } },
      { $date: null },
      { $binary: { base64: 'AAEC' } },
      { $timestamp: { t: -1, i: 0 } },
      { $numberDecimal: 'abc' },
      { $unknown: 1 },
      { toString: 1 },
      { $numberInt: '5', other: 1 },
      { __proto__: null, $oid: HEX, extra: 1 },
    ]
    for (const value of malformed) expect(deserialize(value)).toEqual({ ...value })
    expect(deserialize({ a: [1, { b: 'c' }] })).toEqual({ a: [1, { b: 'c' }] })
  })
})

describe('ejson: encoding', () => {
  it('writes an integral double beyond 2^53 as the exact double, not as a wrong long', () => {
    // bson writes {"$numberLong":"1152921504606847000"}: as a long, 24 more than 2^60.
    const encoded = serialize(2 ** 60) as { $numberDouble: string }
    expect(Object.keys(encoded)).toEqual(['$numberDouble'])
    expect(Number(encoded.$numberDouble)).toBe(2 ** 60)
  })

  it('leaves out undefined fields, turns undefined array items into null', () => {
    expect(serialize({ a: undefined, b: [undefined, 1] })).toEqual({
      b: [null, { $numberInt: '1' }],
    })
  })

  it('encodes a Uint8Array as generic binary and drops RegExp flags BSON lacks', () => {
    expect(serialize(bytes)).toEqual(canonical(new bson.Binary(bytes)))
    expect(serialize(/x/gy)).toEqual({ $regularExpression: { pattern: 'x', options: '' } })
  })

  it('refuses what EJSON cannot carry, naming it', () => {
    expect(() => serialize(new Date(NaN))).toThrow('Cannot encode an invalid Date as EJSON')
    expect(() => serialize(2n ** 64n)).toThrow(
      /Cannot encode 18446744073709551616 \(over 64 bits\)/,
    )
    expect(() => serialize({ f: () => 1 })).toThrow('Cannot encode a function as EJSON')
    expect(() => serialize(new Map())).toThrow('Cannot encode a Map as EJSON')
    expect(() => serialize(Symbol('s'))).toThrow('Cannot encode a symbol as EJSON')
    // bson's DBRef and Code hold bson values of their own, which their toExtendedJSON leaves
    // unencoded: refused rather than sent half-typed.
    const ref = new bson.DBRef('people', new bson.ObjectId(HEX))
    expect(() => serialize(ref)).toThrow('Cannot encode a DBRef as EJSON')
    expect(() => serialize(new bson.Code('x', { x: 1 }))).toThrow('Cannot encode a Code as EJSON')
  })

  it('validates the values it wraps', () => {
    expect(() => new ObjectId('xyz')).toThrow('ObjectId needs 24 hex digits')
    expect(() => new Decimal128('1,5')).toThrow('Decimal128 needs a decimal string')
    expect(() => new Binary(bytes, 256)).toThrow('subtype from 0 to 255')
    expect(() => new Timestamp({ t: 2 ** 32, i: 0 })).toThrow('unsigned 32-bit integers')
  })

  it('makes new ObjectIds that are unique and carry their creation time', () => {
    const ids = Array.from({ length: 1000 }, () => new ObjectId().toHexString())
    expect(new Set(ids).size).toBe(1000)
    const time = new ObjectId().getTimestamp().getTime()
    expect(Math.abs(time - Date.now())).toBeLessThan(2000)
    expect(new ObjectId(HEX.toUpperCase()).equals(new ObjectId(HEX))).toBe(true)
  })
})
