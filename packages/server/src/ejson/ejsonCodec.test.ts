import { Binary, BSONRegExp, Decimal128, EJSON, Long, ObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { decodeEjson, encodeRelaxed } from './ejsonCodec'

describe('encodeRelaxed', () => {
  it('writes numbers plainly but keeps a long beyond 2^53 exact', () => {
    const value = {
      int: 5,
      double: 2.5,
      safeLong: Long.fromNumber(42),
      bigLong: Long.fromString('9007199254740993'),
    }
    expect(encodeRelaxed(value)).toEqual({
      int: 5,
      double: 2.5,
      safeLong: 42,
      bigLong: { $numberLong: '9007199254740993' },
    })
  })

  it('agrees with bson relaxed mode for every type it does not change', () => {
    const value = {
      id: new ObjectId('65a0000000000000000000ee'),
      when: new Date('2024-05-06T07:08:09.010Z'),
      old: new Date(-1),
      price: Decimal128.fromString('1.10'),
      bytes: new Binary(Buffer.from([1, 2, 3])),
      nested: [{ a: 1, b: [2.5, 'x', null, true] }],
      nan: NaN,
    }
    expect(encodeRelaxed(value)).toEqual(EJSON.serialize(value, { relaxed: true }))
  })

  it('round-trips through decodeEjson', () => {
    const big = Long.fromString('-9007199254740993')
    expect(decodeEjson(encodeRelaxed({ big, n: 3 }))).toEqual({ big, n: 3 })
  })
})

describe('decodeEjson', () => {
  it('keeps a $regex with a string pattern as the query operator, with the operators beside it', () => {
    expect(decodeEjson({ f: { $regex: 'mi', $options: 'i', $ne: 'x', $nin: [5] } })).toEqual({
      f: { $regex: new BSONRegExp('mi', ''), $options: 'i', $ne: 'x', $nin: [5] },
    })
    // $options bson does not know is left for the query layer to refuse (a 400 that says why).
    expect(decodeEjson({ $regex: 'mi', $options: 'q' })).toEqual({
      $regex: new BSONRegExp('mi', ''),
      $options: 'q',
    })
  })

  it('decodes a regular expression value ($regularExpression) as bson does', () => {
    expect(decodeEjson({ f: { $regularExpression: { pattern: 'a', options: 'i' } } })).toEqual({
      f: new BSONRegExp('a', 'i'),
    })
  })

  it('leaves an own "__proto__" key as data', () => {
    const decoded = decodeEjson(JSON.parse('{"__proto__": {"$regex": "x"}}')) as object
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.keys(decoded)).toEqual(['__proto__'])
  })
})
