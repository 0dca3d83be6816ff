import { decodeEjson } from '../ejson/ejsonCodec'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Document } from '../collection/documentCodec'

/** What realm-web's `collection.watch({ ids, filter })` asks for. */
export interface WatchRequest {
  readonly service: string
  readonly database: string
  readonly collection: string
  /** Only changes of documents with these `_id`s. */
  readonly ids?: readonly unknown[]
  /** A MongoDB filter the change events must match (`{ "fullDocument.status": "open" }`). */
  readonly filter?: Document
}

const invalid = (message: string): ServiceError =>
  new ServiceError(ErrorCode.InvalidParameter, message)

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads the `baas_request` query parameter of a streaming function call (docs/protocol.md §7.3):
 * base64 of `{ name, arguments, service }` as EJSON, as realm-web 2.0.1's
 * `callFunctionStreaming` sends it. Only `watch` on a MongoDB service streams here.
 */
export const parseWatchRequest = (encoded: string | undefined): WatchRequest => {
  if (!encoded) throw new ServiceError(ErrorCode.MissingParameter, 'expected a baas_request')
  let body: unknown
  try {
    body = decodeEjson(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')))
  } catch {
    throw invalid('baas_request must be base64 of a JSON object')
  }
  if (!isObject(body)) throw invalid('baas_request must be base64 of a JSON object')
  const { name, service } = body
  const args = body.arguments
  if (name !== 'watch' || typeof service !== 'string') {
    throw invalid('only "watch" on a MongoDB service can be called as a stream')
  }
  const options: unknown = Array.isArray(args) ? (args as unknown[])[0] : undefined
  if (!isObject(options)) throw invalid('watch expects one argument: { database, collection }')
  const { database, collection, ids, filter } = options
  if (typeof database !== 'string' || database === '') throw invalid('watch needs a "database"')
  if (typeof collection !== 'string' || collection === '') {
    throw invalid('watch needs a "collection"')
  }
  if (ids !== undefined && ids !== null && !Array.isArray(ids)) {
    throw invalid('"ids" must be an array')
  }
  if (filter !== undefined && filter !== null && !isObject(filter)) {
    throw invalid('"filter" must be an object')
  }
  if (Array.isArray(ids) && isObject(filter))
    throw invalid('watch takes "ids" or "filter", not both')
  return {
    service,
    database,
    collection,
    ...(Array.isArray(ids) ? { ids } : {}),
    ...(isObject(filter) ? { filter } : {}),
  }
}
