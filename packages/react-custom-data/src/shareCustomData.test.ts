import { ObjectId } from '@react-custom-data/client'
import { describe, expect, it } from 'vitest'
import { shareCustomData } from './shareCustomData'

describe('shareCustomData', () => {
  it('keeps the previous document when a new decode is equal, Dates and ObjectIds included', () => {
    const decode = () => ({
      _id: new ObjectId('65b1f00000000000000000aa'),
      since: new Date('2024-01-01T00:00:00Z'),
      tags: ['a', { b: 1 }],
      nested: { deep: { value: null } },
    })
    const previous = decode()
    expect(shareCustomData(previous, decode())).toBe(previous)
  })

  it('shares the unchanged parts and replaces the changed ones', () => {
    const previous = { a: { x: 1 }, b: { y: 2 }, list: [1, 2] }
    const next = shareCustomData(previous, { a: { x: 1 }, b: { y: 3 }, list: [1, 2, 3] })
    expect(next).toEqual({ a: { x: 1 }, b: { y: 3 }, list: [1, 2, 3] })
    expect(next.a).toBe(previous.a)
    expect(next.b).not.toBe(previous.b)
  })

  it('sees a changed Date, ObjectId, removed key or type change', () => {
    const date = { when: new Date(1) }
    expect(shareCustomData(date, { when: new Date(2) })).not.toBe(date)
    const id = { _id: new ObjectId('65b1f00000000000000000aa') }
    expect(shareCustomData(id, { _id: new ObjectId('65b1f00000000000000000ab') })).not.toBe(id)
    const keys = { a: 1, b: 2 }
    expect(shareCustomData(keys, { a: 1 })).toEqual({ a: 1 })
    expect(shareCustomData([1], { 0: 1 })).toEqual({ 0: 1 })
    expect(shareCustomData({ a: undefined }, { b: undefined })).toEqual({ b: undefined })
  })

  it('keeps a field named __proto__ as data, never as the prototype', () => {
    const previous = JSON.parse('{"__proto__":{"a":1},"b":1}') as object
    const next = shareCustomData(previous, JSON.parse('{"__proto__":{"a":2},"b":1}') as object)
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype)
    expect(Object.keys(next)).toEqual(['__proto__', 'b'])
    expect(Object.getOwnPropertyDescriptor(next, '__proto__')?.value).toEqual({ a: 2 })
  })
})
