const NUMERIC_BSON_TYPES = new Set(['Long', 'Decimal128', 'Int32', 'Double'])

const bsonTypeOf = (value: object): string | undefined => {
  const type = (value as { _bsontype?: unknown })._bsontype
  return typeof type === 'string' ? type : undefined
}

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * The document as mingo should compare it. mingo orders JavaScript numbers but not bson's `Long`
 * and `Decimal128` (which only appear where a number cannot hold the value exactly), so queries,
 * sorts and pipelines see those as the nearest double. Stored documents keep their exact types:
 * the view is only ever used to decide, never written back. Subtrees with nothing to convert are
 * returned as they are, so a view of an ordinary document costs no copy.
 */
export const toQueryView = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    value.forEach((item, index) => {
      const view = toQueryView(item)
      if (view !== item) {
        copy ??= value.slice()
        copy[index] = view
      }
    })
    return copy ?? value
  }
  const type = bsonTypeOf(value)
  if (type !== undefined) {
    return NUMERIC_BSON_TYPES.has(type)
      ? Number((value as { toString(): string }).toString())
      : value
  }
  if (!isPlainObject(value)) return value
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    const view = toQueryView(item)
    if (view !== item) {
      copy ??= { ...value }
      copy[key] = view
    }
  }
  return copy ?? value
}

/** True for bson's `Long` and `Decimal128`, whose arithmetic mingo cannot do. */
export const isWideNumber = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (bsonTypeOf(value) === 'Long' || bsonTypeOf(value) === 'Decimal128')
