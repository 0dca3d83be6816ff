type Plain = Record<string, unknown>

const isPlain = (value: unknown): value is Plain => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

const truthy = (value: unknown): boolean => value !== 0 && value !== false

const copyPath = (from: Plain, to: Plain, path: readonly string[]): void => {
  const [key, ...rest] = path
  if (key === undefined || !Object.hasOwn(from, key)) return
  const value = from[key]
  if (rest.length === 0) {
    to[key] = value
    return
  }
  if (!isPlain(value)) return
  const child = isPlain(to[key]) ? to[key] : {}
  copyPath(value, child, rest)
  if (Object.keys(child).length > 0) to[key] = child
}

const withoutPath = (from: Plain, path: readonly string[]): Plain => {
  const [key, ...rest] = path
  if (key === undefined || !Object.hasOwn(from, key)) return from
  const copy = { ...from }
  if (rest.length === 0) delete copy[key]
  else if (isPlain(copy[key])) copy[key] = withoutPath(copy[key], rest)
  return copy
}

/**
 * A `$project` of plain field inclusions (`{ "fullDocument.name": 1 }`) or exclusions
 * (`{ "fullDocumentBeforeChange": 0 }`), dotted paths into sub-documents, as App Services' trigger
 * `project` is written; `_id` (the resume token) is kept unless excluded. BSON values are kept as
 * they are. Expressions (`{ f: { $concat: ... } }`) are refused when the trigger loads.
 */
export const projectEvent = (event: object, projection: Plain): Plain => {
  const source = event as Plain
  const entries = Object.entries(projection)
  const inclusive = entries.some(([key, value]) => key !== '_id' && truthy(value))
  if (inclusive) {
    const result: Plain = {}
    if (projection._id === undefined || truthy(projection._id)) copyPath(source, result, ['_id'])
    for (const [key, value] of entries) {
      if (key !== '_id' && truthy(value)) copyPath(source, result, key.split('.'))
    }
    return result
  }
  let result: Plain = { ...source }
  for (const [key] of entries) result = withoutPath(result, key.split('.'))
  return result
}

/** Why a projection cannot be applied, or undefined when it can. */
export const projectionProblem = (projection: Plain): string | undefined => {
  const entries = Object.entries(projection)
  for (const [key, value] of entries) {
    if (typeof value !== 'number' && typeof value !== 'boolean') {
      return `"project.${key}" must be 0, 1, true or false (expressions are not supported)`
    }
  }
  const included = entries.filter(([key, value]) => key !== '_id' && truthy(value)).length
  const excluded = entries.filter(([key, value]) => key !== '_id' && !truthy(value)).length
  if (included > 0 && excluded > 0) return '"project" cannot mix inclusions and exclusions'
  return undefined
}
