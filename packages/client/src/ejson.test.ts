import { EJSON, ObjectId as BsonObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { deserialize, serialize } from './ejson'
import { ObjectId } from './ObjectId'

describe('ejson', () => {
  it('encodes canonical EJSON exactly as the bson package does', () => {
    const hex = '65a0000000000000000000ee'
    const value = {
      a: 1,
      b: 2.5,
      big: 2 ** 40,
      d: new Date(0),
      s: 's',
      n: null,
      t: true,
      list: [1, 'x'],
    }
    expect(serialize({ ...value, o: new ObjectId(hex) })).toEqual(
      EJSON.serialize({ ...value, o: new BsonObjectId(hex) }, { relaxed: false }),
    )
  })

  it('decodes what bson encodes, keeping longs beyond 2^53 exact', () => {
    const encoded = EJSON.serialize(
      { n: 5, d: new Date(86_400_000), o: new BsonObjectId('65a0000000000000000000ee') },
      { relaxed: false },
    )
    expect(deserialize(encoded)).toEqual({
      n: 5,
      d: new Date(86_400_000),
      o: new ObjectId('65a0000000000000000000ee'),
    })
    expect(deserialize({ $numberLong: '9007199254740993' })).toBe(9007199254740993n)
    expect(deserialize({ $numberLong: '42' })).toBe(42)
  })

  it('leaves plain JSON and unknown wrappers alone', () => {
    expect(deserialize({ a: [1, { b: 'c' }] })).toEqual({ a: [1, { b: 'c' }] })
    expect(deserialize({ $unknown: 1 })).toEqual({ $unknown: 1 })
  })
})
