import { Double, EJSON, Int32, Long } from 'bson'

/**
 * Decodes EJSON (canonical, relaxed or plain JSON) into the values a function or a query sees:
 * numbers where JavaScript holds them exactly, `Long` where it cannot (never a silent rounding),
 * and bson's classes for ObjectId, Date, Decimal128, Binary and the rest.
 */
export const decodeEjson = (value: unknown): unknown =>
  toNative(EJSON.deserialize(value as Parameters<typeof EJSON.deserialize>[0], { relaxed: false }))

/** Canonical EJSON: what the store keeps and what `functions/call` answers (PROTOCOL.md §7.2). */
export const encodeCanonical = (value: unknown): unknown =>
  EJSON.serialize(value === undefined ? null : value, { relaxed: false })

/** Relaxed EJSON: plain numbers and strings; used for `user_data` in tokens (PROTOCOL.md §17.4). */
export const encodeRelaxed = (value: unknown): unknown =>
  EJSON.serialize(value === undefined ? null : value, { relaxed: true })

const toNative = (value: unknown): unknown => {
  if (value instanceof Int32 || value instanceof Double) return value.valueOf()
  if (value instanceof Long) {
    const asNumber = value.toNumber()
    return Number.isSafeInteger(asNumber) ? asNumber : value
  }
  if (Array.isArray(value)) return value.map(toNative)
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = toNative(item)
    return out
  }
  return value
}
