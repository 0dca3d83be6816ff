import type { Document } from './documentCodec'
import { isPlainObject } from './isPlainObject'

const isOperatorObject = (value: unknown): value is Document =>
  isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'))

const setPath = (doc: Document, path: string, value: unknown): void => {
  const segments = path.split('.')
  if (segments.includes('__proto__')) return
  let current = doc
  segments.slice(0, -1).forEach((segment) => {
    const next = current[segment]
    if (!isPlainObject(next)) current[segment] = {}
    current = current[segment] as Document
  })
  current[segments[segments.length - 1] as string] = value
}

/**
 * The document an upsert starts from when nothing matched: the filter's equality conditions
 * (`{ a: 1 }`, `{ a: { $eq: 1 } }`, dotted paths as nested fields, and those inside `$and`), as
 * MongoDB seeds it before applying the update operators.
 */
export const upsertSeed = (filter: Document): Document => {
  const seed: Document = {}
  const collect = (conditions: Document): void => {
    for (const [key, value] of Object.entries(conditions)) {
      if (key === '$and' && Array.isArray(value)) {
        value.filter(isPlainObject).forEach(collect)
        continue
      }
      if (key.startsWith('$')) continue
      if (!isOperatorObject(value)) setPath(seed, key, value)
      else if (Object.keys(value).length === 1 && '$eq' in value) setPath(seed, key, value.$eq)
    }
  }
  collect(filter)
  return seed
}
