// @ts-check
// Runs the calls the server sends: compiles each function once, invokes it with its own `context`,
// waits for what it returns (a promise, a cursor, promises inside objects), and answers. Ends each
// call cleanly: its own timers cancelled, its HTTP requests aborted, the globals it set removed.
import { compileFunction } from 'node:vm'
import { dirname } from 'node:path'
import { types } from 'node:util'
import { decode, encode } from './appServicesBson.js'
import { isCursor } from './collectionClient.js'
import { messageOf } from './consoleBridge.js'

/** @typedef {import('../workerProtocol.ts').WorkerFunction} WorkerFunction */
/** @typedef {import('../workerProtocol.ts').CallMessage} CallMessage */
/** @typedef {import('../workerProtocol.ts').DoneMessage} DoneMessage */
/** @typedef {import('./createContext.js').Frame} Frame */
/** @typedef {import('./createContext.js').CallState} CallState */
/** @typedef {(frame: Frame) => Record<string, unknown>} ContextFactory */

/**
 * The scope a function's source runs in. The outer function holds what the runtime lends each
 * call (its timers, the ES-import helper) so that the source may declare names of its own; the
 * inner one has Node's module parameters and App Services' `context`. The outer line is taken
 * back with `lineOffset`, so stack frames name the file's own lines.
 */
const OUTER = [
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  '__importModule',
]
const INNER = 'exports, module, require, context, __filename, __dirname'

/** @param {WorkerFunction} fn */
const compile = (fn) =>
  /** @type {(...lent: unknown[]) => (...args: unknown[]) => [unknown, unknown]} */ (
    compileFunction(
      `return function (${INNER}) {\n${fn.code}\n;return [exports, module.exports]}`,
      OUTER,
      {
        filename: fn.path,
        lineOffset: -1,
      },
    )
  )

/** What an ES `import` of a module answers: ES modules as they are, CommonJS as Babel saw it. */
const namespaceCache = new WeakMap()
/** @param {unknown} loaded */
const namespaceOf = (loaded) => {
  if (loaded === null || (typeof loaded !== 'object' && typeof loaded !== 'function')) {
    return { default: loaded }
  }
  if (
    types.isModuleNamespaceObject(loaded) ||
    /** @type {{ __esModule?: unknown }} */ (loaded).__esModule
  ) {
    return loaded
  }
  let namespace = namespaceCache.get(loaded)
  if (!namespace) {
    namespace = Object.freeze({ ...loaded, default: loaded })
    namespaceCache.set(loaded, namespace)
  }
  return namespace
}

/** @param {unknown} value */
const isPlainObject = (value) => {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** @param {unknown} value @returns {value is PromiseLike<unknown>} */
const isThenable = (value) =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (/** @type {{ then?: unknown }} */ (value).then) === 'function'

/**
 * Whether anything in the value still has to be waited for: promises or cursors, at any depth.
 * @param {unknown} value
 * @returns {boolean}
 */
const needsSettling = (value, depth = 0) => {
  if (isThenable(value) || isCursor(value)) return true
  if (depth > 64) return false
  if (Array.isArray(value)) return value.some((item) => needsSettling(item, depth + 1))
  if (isPlainObject(value)) {
    return Object.values(/** @type {object} */ (value)).some((item) =>
      needsSettling(item, depth + 1),
    )
  }
  return false
}

/**
 * What App Services answered for a returned value: a promise's result, a cursor's documents
 * (`return collection.find(...)` without `toArray()`), and the same inside arrays and objects.
 * @param {unknown} value
 * @returns {Promise<unknown>}
 */
const settleValue = async (value, depth = 0) => {
  const resolved = isThenable(value) ? await value : value
  if (isCursor(resolved)) return resolved.toArray()
  if (depth > 64 || !needsSettling(resolved)) return resolved
  if (Array.isArray(resolved))
    return Promise.all(resolved.map((item) => settleValue(item, depth + 1)))
  if (isPlainObject(resolved)) {
    const entries = await Promise.all(
      Object.entries(/** @type {object} */ (resolved)).map(async ([key, item]) => [
        key,
        await settleValue(item, depth + 1),
      ]),
    )
    /** @type {Record<string, unknown>} */
    const out = {}
    for (const [key, item] of entries) {
      Object.defineProperty(out, /** @type {string} */ (key), {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return resolved
}

/**
 * Timer functions that belong to one call: cancelled when the call ends.
 * @param {CallState} state
 */
const callTimers = (state) => {
  const { timers } = state
  /** @param {Function} callback @param {unknown[]} args */
  const checked = (callback, args) => {
    if (typeof callback !== 'function') throw new TypeError('the timer callback must be a function')
    return args
  }
  return [
    (
      /** @type {Function} */ callback,
      /** @type {number} */ ms,
      /** @type {unknown[]} */ ...args
    ) => {
      checked(callback, args)
      const timer = setTimeout(() => {
        timers.delete(timer)
        callback(...args)
      }, ms)
      timers.add(timer)
      return timer
    },
    (
      /** @type {Function} */ callback,
      /** @type {number} */ ms,
      /** @type {unknown[]} */ ...args
    ) => {
      checked(callback, args)
      const timer = setInterval(() => callback(...args), ms)
      timers.add(timer)
      return timer
    },
    (/** @type {Function} */ callback, /** @type {unknown[]} */ ...args) => {
      checked(callback, args)
      const immediate = setImmediate(() => {
        timers.delete(immediate)
        callback(...args)
      })
      timers.add(immediate)
      return immediate
    },
    (/** @type {NodeJS.Timeout} */ timer) => {
      timers.delete(timer)
      clearTimeout(timer)
    },
    (/** @type {NodeJS.Timeout} */ timer) => {
      timers.delete(timer)
      clearInterval(timer)
    },
    (/** @type {NodeJS.Immediate} */ immediate) => {
      timers.delete(immediate)
      clearImmediate(immediate)
    },
  ]
}

/**
 * @param {object} options
 * @param {readonly WorkerFunction[]} options.functions
 * @param {(path: string) => (specifier: unknown) => unknown} options.requireFrom
 * @param {(message: DoneMessage) => void} options.post
 * @param {{ reset(): void }} options.globals
 */
export const createCallRunner = ({ functions, requireFrom, post, globals }) => {
  /** @type {Map<string, { fn: WorkerFunction, compiled: ReturnType<typeof compile>, require: (specifier: unknown) => unknown }>} */
  const registry = new Map()
  for (const fn of functions) {
    registry.set(fn.name, { fn, compiled: compile(fn), require: requireFrom(fn.path) })
  }
  /** @type {ContextFactory} */
  let contextFor = () => ({})
  /** @type {{ id: number, name: string, state: CallState } | undefined} */
  let current

  /**
   * Runs a function in a frame and answers what it returns, as it returns it: a value stays a
   * value (App Services' `context.functions.execute` of a synchronous function is synchronous).
   * @param {string} name
   * @param {unknown[]} args
   * @param {Frame} frame
   */
  const invoke = (name, args, frame) => {
    const entry = registry.get(name)
    if (!entry) throw new Error(`function not found: '${name}'`)
    const { fn, compiled, require } = entry
    const importModule = (/** @type {unknown} */ specifier) => namespaceOf(require(specifier))
    const body = compiled(...callTimers(frame.state), importModule)
    const exported = {}
    const [assigned, moduleExports] = body(
      exported,
      { exports: exported },
      require,
      contextFor(frame),
      fn.path,
      dirname(fn.path),
    )
    const main = [
      assigned,
      moduleExports,
      /** @type {{ default?: unknown }} */ (assigned)?.default,
    ].find((candidate) => typeof candidate === 'function')
    if (typeof main !== 'function') {
      throw new Error(`functions/${fn.name}.js must assign a function to exports`)
    }
    return main(...args)
  }

  /**
   * `context.functions.execute(name, ...args)`: runs as its caller, unless the function runs as
   * system itself (App Services).
   * @param {Frame} frame
   * @param {unknown} name
   * @param {unknown[]} args
   */
  const execute = (frame, name, args) => {
    const entry = registry.get(String(name))
    if (!entry) throw new Error(`function not found: '${String(name)}'`)
    return invoke(entry.fn.name, args, { ...frame, system: frame.system || entry.fn.runAsSystem })
  }

  /** @param {CallState} state */
  const endCall = (state) => {
    for (const timer of state.timers) {
      clearTimeout(/** @type {NodeJS.Timeout} */ (timer))
      clearInterval(/** @type {NodeJS.Timeout} */ (timer))
      clearImmediate(/** @type {NodeJS.Immediate} */ (timer))
    }
    state.timers.clear()
    state.abort?.abort()
    globals.reset()
    current = undefined
  }

  /**
   * @param {{ id: number, state: CallState }} call
   * @param {boolean} ok
   * @param {unknown} value
   */
  const finish = ({ id, state }, ok, value) => {
    if (current?.id !== id) return
    try {
      endCall(state)
    } catch (error) {
      // A function broke what the runtime cleans up with: the call still answers.
      ok = false
      value = error
    }
    if (!ok) {
      post({ t: 'done', id, ok: false, message: messageOf(value) })
      return
    }
    let text
    try {
      text = encode(value)
    } catch (error) {
      post({
        t: 'done',
        id,
        ok: false,
        message: `the function's return value cannot be sent as EJSON: ${messageOf(error)}`,
      })
      return
    }
    post({ t: 'done', id, ok: true, value: text })
  }

  /** @param {CallMessage} message */
  const run = (message) => {
    const { id, name } = message
    /** @type {CallState} */
    const state = { timers: new Set(), abort: undefined, http: undefined }
    current = { id, name, state }
    try {
      if (!registry.has(name)) throw new Error(`function not found: '${name}'`)
      const args = decode(message.args)
      /** @type {Frame} */
      const frame = {
        callId: id,
        system: message.system,
        user:
          message.user === ''
            ? { id: '', type: 'system', data: {}, custom_data: {}, identities: [] }
            : decode(message.user),
        request: message.request ?? undefined,
        state,
      }
      Promise.resolve()
        .then(() => invoke(name, Array.isArray(args) ? args : [], frame))
        // The `then` has waited for a returned promise; most values hold nothing more to wait for.
        .then((value) => (needsSettling(value) ? settleValue(value) : value))
        .then(
          (value) => finish({ id, state }, true, value),
          (error) => finish({ id, state }, false, error),
        )
    } catch (error) {
      finish({ id, state }, false, error)
    }
  }

  return {
    run,
    execute,
    /** @param {ContextFactory} factory */
    useContext(factory) {
      contextFor = factory
    },
    /** The call running now, if any: the function's name tags its log lines. */
    current: () => (current ? { id: current.id, name: current.name } : undefined),
  }
}
