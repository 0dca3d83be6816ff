import { invalidParameter as invalid } from './mongoError'
import type { Document } from './documentCodec'

/** One realm-web `mongoClient` call, as the collection action it means. */
export interface ServiceActionCall {
  readonly database: string
  readonly collection: string
  readonly action: string
  /** Positional arguments for `callCollectionAction`. */
  readonly args: readonly unknown[]
}

const defined = (fields: Document): Document =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))

/**
 * Reads a service action (`{ name, arguments: [options], service }`, docs/protocol.md §11): realm-web
 * sends one options object per call, with `database` and `collection`, `query` and `project` for
 * reads, `filter` and `projection` for the findOneAnd* family. Its `findOneAndDelete` is sent as a
 * `findOneAndReplace` without `update` (an SDK bug), so that is read as the delete it meant.
 */
export const serviceActionCall = (name: string, args: readonly unknown[]): ServiceActionCall => {
  const [options] = args
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`${name}: expected one options object with "database" and "collection"`)
  }
  const o = options as Document
  if (typeof o.database !== 'string' || o.database === '') {
    throw invalid(`${name}: "database" must be a non-empty string`)
  }
  if (typeof o.collection !== 'string' || o.collection === '') {
    throw invalid(`${name}: "collection" must be a non-empty string`)
  }
  const call = (action: string, ...rest: unknown[]): ServiceActionCall => ({
    database: o.database as string,
    collection: o.collection as string,
    action,
    args: rest,
  })
  const modify = defined({
    projection: o.projection,
    sort: o.sort,
    upsert: o.upsert,
    returnNewDocument: o.returnNewDocument,
  })
  switch (name) {
    case 'find':
      return call('find', o.query, defined({ projection: o.project, sort: o.sort, limit: o.limit }))
    case 'findOne':
      return call('findOne', o.query, defined({ projection: o.project, sort: o.sort }))
    case 'count':
      return call('count', o.query, defined({ limit: o.limit }))
    case 'aggregate':
      return call('aggregate', o.pipeline)
    case 'insertOne':
      return call('insertOne', o.document)
    case 'insertMany':
      return call('insertMany', o.documents)
    case 'deleteOne':
    case 'deleteMany':
      return call(name, o.query ?? {})
    case 'updateOne':
    case 'updateMany':
      return call(
        name,
        o.query ?? {},
        o.update,
        defined({ upsert: o.upsert, arrayFilters: o.arrayFilters }),
      )
    case 'findOneAndUpdate':
      return call('findOneAndUpdate', o.filter ?? {}, o.update, modify)
    case 'findOneAndReplace':
      if (o.update === undefined) {
        return call(
          'findOneAndDelete',
          o.filter ?? {},
          defined({ projection: o.projection, sort: o.sort }),
        )
      }
      return call('findOneAndReplace', o.filter ?? {}, o.update, modify)
    case 'findOneAndDelete':
      return call(
        'findOneAndDelete',
        o.filter ?? {},
        defined({ projection: o.projection, sort: o.sort }),
      )
    case 'watch':
      throw invalid(
        'watch is a streamed call: GET functions/call?baas_request=... with Accept: text/event-stream (realm-web: collection.watch())',
      )
    default:
      throw invalid(`unknown service action "${name}"`)
  }
}
