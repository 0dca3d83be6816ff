import { serializeEjson } from '@react-custom-data/client'

const ejsonOf = (value: object): string => JSON.stringify(serializeEjson(value))

/**
 * react-query's structural sharing for custom data: returns `previous` (or parts of it) wherever
 * `next` holds equal values, so a new token with the same document re-renders nobody. Unlike
 * react-query's default it also keeps equal Dates, ObjectIds and other BSON values, which each
 * token decode makes anew: those compare by their EJSON.
 */
export const shareCustomData = <T>(previous: unknown, next: T): T => {
  if (previous === next) return previous as T
  if (!previous || !next || typeof previous !== 'object' || typeof next !== 'object') return next
  const { constructor } = previous
  if (constructor !== next.constructor) return next
  if (constructor !== Object && constructor !== Array) {
    try {
      return ejsonOf(previous) === ejsonOf(next) ? (previous as T) : next
    } catch {
      return next
    }
  }
  const before = previous as Record<string, unknown>
  const keys = Object.keys(next)
  let same = keys.length === Object.keys(before).length
  const entries = keys.map((key) => {
    const value = shareCustomData(before[key], (next as Record<string, unknown>)[key])
    if (value !== before[key] || !(key in before)) same = false
    return [key, value] as const
  })
  if (same) return previous as T
  // fromEntries defines each field as its own, `__proto__` included (an assignment would set
  // the prototype instead).
  return (
    constructor === Array ? entries.map(([, value]) => value) : Object.fromEntries(entries)
  ) as T
}
