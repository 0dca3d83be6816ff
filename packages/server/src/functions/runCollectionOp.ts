import type { Logger } from 'pino'
import { callCollectionAction } from '../collection/callCollectionAction'
import type { CollectionProvider } from '../collection/createCollectionProvider'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import { ErrorCode, isServiceError } from '../errors/ServiceError'
import type { FunctionCall } from './FunctionRunner'
import type { CollectionOp, OpError } from './workerProtocol'

/** The call a collection operation belongs to, as the runtime knows it. */
export interface OpCall {
  readonly call: FunctionCall
  /** Rules do not apply to the whole call. */
  readonly system: boolean
}

export interface OpOutcome {
  readonly ok: boolean
  /** Canonical EJSON text of the result, or JSON text of an `OpError`. */
  readonly value: string
}

const failure = (error: OpError): OpOutcome => ({ ok: false, value: JSON.stringify(error) })

/**
 * Runs one collection operation a function asked for, against the store, with the caller's rules:
 * answers EJSON, or an error safe to show the function (MongoDB's reason; for a failure of the
 * store itself, a generic message, the details in the log only).
 */
export const runCollectionOp = async (
  context: {
    readonly collections: CollectionProvider
    readonly logger: Logger
    /** Whether the app has a `run_as_system` function that may lift a nested call to system. */
    readonly anySystemFunction: boolean
  },
  owner: OpCall,
  payload: CollectionOp,
): Promise<OpOutcome> => {
  const { service, db, coll, action } = payload
  if (
    typeof service !== 'string' ||
    typeof db !== 'string' ||
    typeof coll !== 'string' ||
    typeof action !== 'string' ||
    typeof payload.args !== 'string'
  ) {
    return failure({ message: 'malformed collection operation', code: ErrorCode.InvalidParameter })
  }
  const where = `${action} on ${db}.${coll}`
  try {
    const args = decodeEjson(JSON.parse(payload.args))
    const { call } = owner
    const collection = context.collections.open({
      service,
      db,
      coll,
      user: call.user,
      system: owner.system || (context.anySystemFunction && payload.system),
      caller: 'function',
      ...(call.request ? { request: { ...call.request } } : {}),
      ...(call.triggerDepth ? { triggerDepth: call.triggerDepth } : {}),
    })
    const result = await callCollectionAction(collection, action, Array.isArray(args) ? args : [])
    return { ok: true, value: JSON.stringify(encodeCanonical(result)) }
  } catch (error) {
    if (isServiceError(error)) return failure({ message: error.message, code: error.code })
    // The store's own words (SQL, driver errors) stay in the log.
    context.logger.error(
      {
        function: owner.call.name,
        userId: owner.call.user?.id ?? 'system',
        err: error,
        operation: where,
      },
      'a collection operation failed',
    )
    return failure({
      message: `${where} failed: internal error (see the server log)`,
      code: ErrorCode.InternalServerError,
    })
  }
}
