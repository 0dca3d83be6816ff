// @ts-check
// `context.services.get(name).db(d).collection(c)`: App Services' collection API, each operation a
// message to the server's thread, which runs it against the store under the caller's rules.
import { encode, decode } from './appServicesBson.js'
import { messageOf } from './consoleBridge.js'

/** @typedef {import('../workerProtocol.ts').OpMessage} OpMessage */
/** @typedef {import('../workerProtocol.ts').OpResultMessage} OpResultMessage */
/** @typedef {import('../workerProtocol.ts').OpError} OpError */
/** @typedef {{ callId: number, system: boolean }} OpCaller */
/** @typedef {{ service: string, db: string, coll: string }} Namespace */

/** Marks the cursors `find` and `aggregate` answer, so a returned cursor answers its documents. */
const CURSOR = Symbol('cursor')

/**
 * @param {unknown} value
 * @returns {value is { toArray(): Promise<unknown[]> }}
 */
export const isCursor = (value) => value !== null && typeof value === 'object' && CURSOR in value

/**
 * @param {(message: OpMessage) => void} post
 */
export const createCollectionClient = (post) => {
  /** @type {Map<number, { resolve: (value: unknown) => void, reject: (error: unknown) => void }>} */
  const pending = new Map()
  let nextOp = 1

  /**
   * @param {OpCaller} caller
   * @param {Namespace & { action: string, args: unknown[] }} operation
   * @returns {Promise<unknown>}
   */
  const request = (caller, { service, db, coll, action, args }) =>
    new Promise((resolve, reject) => {
      let argsText
      try {
        argsText = encode(args)
      } catch (error) {
        reject(new Error(`${action}: the arguments cannot be sent as EJSON (${messageOf(error)})`))
        return
      }
      const op = nextOp
      nextOp += 1
      pending.set(op, { resolve, reject })
      post({
        t: 'op',
        id: caller.callId,
        op,
        payload: { system: caller.system, service, db, coll, action, args: argsText },
      })
    })

  /** @param {OpResultMessage} message */
  const settle = ({ op, ok, value }) => {
    const waiting = pending.get(op)
    if (!waiting) return
    pending.delete(op)
    try {
      if (ok) waiting.resolve(decode(value))
      else {
        const { message, code } = /** @type {OpError} */ (JSON.parse(value))
        waiting.reject(Object.assign(new Error(message), code ? { code } : {}))
      }
    } catch (error) {
      waiting.reject(error)
    }
  }

  /** @param {string} what */
  const notSupported = (what) => () => {
    throw new Error(`${what} is not supported by this server`)
  }

  /**
   * A cursor over what `run` answers, run once, on first use.
   * @param {(state: Record<string, unknown>) => Promise<unknown>} run
   * @param {Record<string, unknown>} options
   */
  const cursor = (run, options) => {
    const state = { ...options }
    /** @type {Promise<unknown[]> | undefined} */
    let results
    let position = 0
    const fetch = () => (results ??= run(state).then((all) => (Array.isArray(all) ? all : [])))
    const self = {
      [CURSOR]: true,
      sort(/** @type {unknown} */ sort) {
        state.sort = sort
        return self
      },
      limit(/** @type {unknown} */ limit) {
        state.limit = limit
        return self
      },
      skip(/** @type {unknown} */ skip) {
        state.skip = skip
        return self
      },
      project(/** @type {unknown} */ projection) {
        state.projection = projection
        return self
      },
      toArray: () => fetch(),
      async next() {
        const item = (await fetch())[position]
        position += 1
        return item === undefined ? null : item
      },
      async hasNext() {
        return position < (await fetch()).length
      },
      async *[Symbol.asyncIterator]() {
        for (const item of await fetch()) yield item
      },
    }
    return self
  }

  /** @param {unknown} value @param {string} what */
  const checkName = (value, what) => {
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`${what} must be a non-empty string`)
    }
    return value
  }

  /**
   * @param {OpCaller} caller
   * @param {Namespace} namespace
   */
  const collection = (caller, namespace) => {
    /** @param {string} action @param {unknown[]} args */
    const call = (action, ...args) => request(caller, { ...namespace, action, args })
    /** @typedef {Record<string, unknown>} Options */
    return Object.freeze({
      find: (query = {}, /** @type {unknown} */ projection, /** @type {Options} */ options = {}) =>
        cursor((state) => call('find', query, state), {
          ...options,
          projection: projection ?? options.projection,
        }),
      findOne: (
        query = {},
        /** @type {unknown} */ projection,
        /** @type {Options} */ options = {},
      ) => call('findOne', query, { ...options, projection: projection ?? options.projection }),
      findOneAndUpdate: (
        /** @type {unknown} */ filter,
        /** @type {unknown} */ update,
        options = {},
      ) => call('findOneAndUpdate', filter, update, options),
      findOneAndReplace: (
        /** @type {unknown} */ filter,
        /** @type {unknown} */ doc,
        options = {},
      ) => call('findOneAndReplace', filter, doc, options),
      findOneAndDelete: (/** @type {unknown} */ filter, options = {}) =>
        call('findOneAndDelete', filter, options),
      insertOne: (/** @type {unknown} */ document) => call('insertOne', document),
      insertMany: (/** @type {unknown} */ documents) => call('insertMany', documents),
      updateOne: (/** @type {unknown} */ filter, /** @type {unknown} */ update, options = {}) =>
        call('updateOne', filter, update, options),
      updateMany: (/** @type {unknown} */ filter, /** @type {unknown} */ update, options = {}) =>
        call('updateMany', filter, update, options),
      replaceOne: (/** @type {unknown} */ filter, /** @type {unknown} */ doc, options = {}) =>
        call('replaceOne', filter, doc, options),
      deleteOne: (/** @type {unknown} */ filter) => call('deleteOne', filter),
      deleteMany: (/** @type {unknown} */ filter) => call('deleteMany', filter),
      count: (query = {}, options = {}) => call('count', query, options),
      countDocuments: (query = {}, options = {}) => call('countDocuments', query, options),
      distinct: (/** @type {unknown} */ field, query = {}) => call('distinct', field, query),
      aggregate: (/** @type {unknown} */ pipeline) => cursor(() => call('aggregate', pipeline), {}),
      bulkWrite: notSupported('collection.bulkWrite()'),
      watch: notSupported('collection.watch()'),
    })
  }

  /**
   * The client `context.services.get(service)` answers.
   * @param {OpCaller} caller
   * @param {string} service
   */
  const service = (caller, service) =>
    Object.freeze({
      db: (/** @type {unknown} */ name) =>
        Object.freeze({
          collection: (/** @type {unknown} */ coll) =>
            collection(caller, {
              service,
              db: checkName(name, 'the database name'),
              coll: checkName(coll, 'the collection name'),
            }),
          getCollectionNames: notSupported('database.getCollectionNames()'),
        }),
      admin: notSupported('mongodb.admin()'),
    })

  return { service, settle }
}
