import { encodeCanonical } from '../ejson/ejsonCodec'

const soleKey = (value: Record<string, unknown>): string | undefined => {
  const keys = Object.keys(value)
  return keys.length === 1 ? keys[0] : undefined
}

const plain = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(plain)
  if (value === null || typeof value !== 'object') return value
  const object = value as Record<string, unknown>
  const key = soleKey(object)
  const inner = key === undefined ? undefined : object[key]
  switch (key) {
    case '$oid':
    case '$symbol':
    case '$numberDecimal':
      return inner
    case '$numberInt':
    case '$numberDouble':
      return Number(inner)
    case '$numberLong': {
      const number = Number(inner)
      return Number.isSafeInteger(number) ? number : inner
    }
    case '$date': {
      const ms = Number((inner as { $numberLong?: unknown }).$numberLong)
      return Number.isFinite(ms) && ms >= -62135596800000 && ms < 253402300800000
        ? new Date(ms).toISOString()
        : ms
    }
    case '$binary':
      return (inner as { base64?: unknown }).base64
    case '$uuid':
      return inner
    default:
      return Object.fromEntries(Object.entries(object).map(([k, item]) => [k, plain(item)]))
  }
}

/**
 * A value as an endpoint's `JSON` return type answers it: plain JSON, as App Services did
 * (data-api/custom-endpoints, "Choose a Response Data Format"): ObjectIds as their hex string,
 * dates as ISO strings, numbers as numbers (a long past 2^53 and decimals as strings), binary data
 * as base64. `EJSON` answers canonical EJSON instead.
 */
export const toPlainJson = (value: unknown): unknown => plain(encodeCanonical(value))
