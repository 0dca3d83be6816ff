import { Double, EJSON, Int32, Long, Timestamp } from 'bson'

/**
 * Decodes EJSON (canonical, relaxed or plain JSON) into the values a function or a query sees:
 * numbers where JavaScript holds them exactly, `Long` where it cannot (never a silent rounding),
 * and bson's classes for ObjectId, Date, Decimal128, Binary and the rest. A `$regex` with a
 * string pattern stays the query operator it is (see `keepRegexOperators`).
 */
export const decodeEjson = (value: unknown): unknown =>
  toNative(
    EJSON.deserialize(keepRegexOperators(value) as Parameters<typeof EJSON.deserialize>[0], {
      relaxed: false,
    }),
  )

/** Canonical EJSON: what the store keeps and what `functions/call` answers (docs/protocol.md §7.2). */
export const encodeCanonical = (value: unknown): unknown =>
  EJSON.serialize(value === undefined ? null : value, { relaxed: false })

/**
 * Relaxed EJSON: plain numbers and strings; used for `user_data` in tokens (docs/protocol.md §17.4).
 * Unlike bson's own relaxed mode, a long beyond 2^53 stays `{"$numberLong": ...}`: bson would
 * turn it into a rounded number, and the client decodes the wrapper exactly.
 */
export const encodeRelaxed = (value: unknown): unknown => relax(encodeCanonical(value))

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype

/**
 * bson reads `{"$regex": "mi", "$options": "i"}` as legacy EJSON for a regular expression value
 * and drops every other key of the object, so the query operator `{ $regex: "mi", $ne: "x" }`
 * lost its `$ne`, and `$options` that bson does not know made the whole body invalid. No client
 * sends the legacy form for a value (realm-web and the function runtime write
 * `$regularExpression`): a `$regex` is always the operator. Its pattern goes in as canonical EJSON
 * (bson then keeps the object and its other keys); `$options` stays beside it, for the query layer
 * to combine and check.
 */
const keepRegexOperators = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const items = value.map(keepRegexOperators)
    return items.some((item, index) => item !== value[index]) ? items : value
  }
  if (!isJsonObject(value)) return value
  // Copied only where something changes: stored documents, read through here, have no $regex.
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    const kept =
      key === '$regex' && typeof item === 'string'
        ? { $regularExpression: { pattern: item, options: '' } }
        : keepRegexOperators(item)
    if (kept !== item) {
      // Defined, not assigned: an own "__proto__" key stays data (see relax).
      copy ??= Object.fromEntries(Object.entries(value))
      Object.defineProperty(copy, key, {
        value: kept,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  return copy ?? value
}

const soleKey = (value: Record<string, unknown>): string | undefined => {
  const keys = Object.keys(value)
  return keys.length === 1 ? keys[0] : undefined
}

const relax = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(relax)
  if (value === null || typeof value !== 'object') return value
  const object = value as Record<string, unknown>
  const key = soleKey(object)
  const inner = key === undefined ? undefined : object[key]
  if (typeof inner === 'string') {
    if (key === '$numberInt') return Number(inner)
    if (key === '$numberDouble' && Number.isFinite(Number(inner))) return Number(inner)
    if (key === '$numberLong' && Number.isSafeInteger(Number(inner))) return Number(inner)
  }
  if (key === '$date' && inner !== null && typeof inner === 'object') {
    // Relaxed EJSON writes dates of years 1970-9999 as ISO strings.
    const ms = Number((inner as { $numberLong?: unknown }).$numberLong)
    if (ms >= 0 && ms < 253402300800000) return { $date: new Date(ms).toISOString() }
    return value
  }
  // Other wrappers ($oid, $binary, $numberDecimal, ...) are the same in both modes.
  if (key?.startsWith('$')) return value
  // fromEntries defines its keys, so an own "__proto__" key stays data (assigning it would swap
  // the object's prototype).
  return Object.fromEntries(Object.entries(object).map(([k, item]) => [k, relax(item)]))
}

const toNative = (value: unknown): unknown => {
  if (value instanceof Int32 || value instanceof Double) return value.valueOf()
  // Timestamp is a Long underneath; it stays a Timestamp.
  if (value instanceof Long && !(value instanceof Timestamp)) {
    const asNumber = value.toNumber()
    return Number.isSafeInteger(asNumber) ? asNumber : value
  }
  if (Array.isArray(value)) return value.map(toNative)
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    // An own "__proto__" key stays data, as bson keeps it (see relax).
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toNative(item)]))
  }
  return value
}
