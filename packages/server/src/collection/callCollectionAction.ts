import { invalidParameter as invalid } from './mongoError'
import type { Collection } from './createCollection'
import type { Document } from './documentCodec'
import { isPlainObject } from './isPlainObject'

const object = (value: unknown, what: string, action: string): Document => {
  if (value === undefined || value === null) return {}
  if (!isPlainObject(value)) throw invalid(`${action}: the ${what} must be an object`)
  return value
}

const required = (value: unknown, what: string, action: string): Document => {
  if (!isPlainObject(value)) throw invalid(`${action} needs ${what} (an object)`)
  return value
}

/** Keeps only the named options, so nothing unexpected reaches the collection. */
const pick = (options: Document, keys: readonly string[]): Document => {
  const out: Document = {}
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key]
  return out
}

const FIND = ['projection', 'sort', 'limit', 'skip']
const MODIFY = ['projection', 'sort', 'upsert', 'returnNewDocument', 'returnDocument']
const UPDATE = ['upsert', 'arrayFilters']

/**
 * Runs one collection action from its name and positional arguments, as the function sandbox
 * sends them (`updateOne(filter, update, options)`), checking each argument's shape first.
 */
export const callCollectionAction = async (
  collection: Collection,
  action: string,
  args: readonly unknown[],
): Promise<unknown> => {
  const [a, b, c] = args
  switch (action) {
    case 'find':
      return collection.find(object(a, 'filter', action), pick(object(b, 'options', action), FIND))
    case 'findOne':
      return collection.findOne(
        object(a, 'filter', action),
        pick(object(b, 'options', action), ['projection', 'sort']),
      )
    case 'count':
    case 'countDocuments':
      return collection.count(
        object(a, 'filter', action),
        pick(object(b, 'options', action), ['limit', 'skip']),
      )
    case 'distinct':
      if (typeof a !== 'string') throw invalid('distinct needs a field name (a string)')
      return collection.distinct(a, object(b, 'filter', action))
    case 'aggregate':
      if (!Array.isArray(a)) throw invalid('aggregate needs a pipeline (an array of stages)')
      return collection.aggregate(a as Document[])
    case 'insertOne':
      return collection.insertOne(required(a, 'a document', action))
    case 'insertMany':
      if (!Array.isArray(a)) throw invalid('insertMany needs an array of documents')
      return collection.insertMany(a as Document[])
    case 'updateOne':
    case 'updateMany':
      return collection[action](
        required(a, 'a filter', action),
        required(b, 'an update', action),
        pick(object(c, 'options', action), UPDATE),
      )
    case 'replaceOne':
      return collection.replaceOne(
        required(a, 'a filter', action),
        required(b, 'a replacement document', action),
        pick(object(c, 'options', action), ['upsert']),
      )
    case 'deleteOne':
    case 'deleteMany':
      return collection[action](required(a, 'a filter', action))
    case 'findOneAndUpdate':
      return collection.findOneAndUpdate(
        required(a, 'a filter', action),
        required(b, 'an update', action),
        pick(object(c, 'options', action), MODIFY),
      )
    case 'findOneAndReplace':
      return collection.findOneAndReplace(
        required(a, 'a filter', action),
        required(b, 'a replacement document', action),
        pick(object(c, 'options', action), MODIFY),
      )
    case 'findOneAndDelete':
      return collection.findOneAndDelete(
        required(a, 'a filter', action),
        pick(object(b, 'options', action), ['projection', 'sort']),
      )
    default:
      throw invalid(`unknown collection action "${action}"`)
  }
}
