// The function worker: one worker thread of the function runtime's pool. Plain JavaScript (an ES
// module, no transpiling), so that Node, tsx, Vitest and the published build all run it as is.
//
// It owns one sandbox: a `node:vm` context whose global is a null-prototype object, so nothing in
// it leads back to this thread's realm (no `process`, no `require`, and `constructor.constructor`
// yields the sandbox's own Function). sandboxRuntime.js runs inside it and builds `context`,
// `console`, `BSON`/`EJSON` and the collection API from four bridge functions below, which take
// and return only strings and numbers. Function sources are compiled once, into the sandbox.
//
// Messages, parent → worker:
//   { t: 'call', id, name, args, user, system, request }   args, user: canonical EJSON text
//   { t: 'opResult', op, ok, value }                        value: EJSON text or error JSON
// Both reach the sandbox as JSON text, and the sandbox's messages come back as JSON text: the
// bridge passes nothing but strings, so no object of either realm crosses to the other.
// worker → parent:
//   { t: 'ready' } | { t: 'failed', message }
//   { t: 'op', id, op, payload }                            payload: JSON text of the operation
//   { t: 'log', id, level, fn, text }
//   { t: 'done', id, ok, value }                            value: EJSON text or error JSON

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { compileFunction, createContext, Script } from 'node:vm'
import { parentPort, workerData } from 'node:worker_threads'

/**
 * @typedef {object} WorkerSetup
 * @property {{ name: string, path: string, source: string, runAsSystem: boolean }[]} functions
 * @property {string} config JSON: `{ app, environment, values, services }` for `context`
 * @property {string} bsonBundlePath bson's browser bundle, evaluated inside the sandbox
 */

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
const setup = /** @type {WorkerSetup} */ (workerData)

/** @param {unknown} value */
const text = (value) => (typeof value === 'string' ? value : '')

/** @type {Map<number, ReturnType<typeof setTimeout>>} */
const timers = new Map()

/** @type {{ reportUnhandled(reason: unknown): void, fire(id: number): void, receive(message: string): void, register(name: string, fn: unknown, runAsSystem: boolean): void, configure(config: string): void }} */
let runtime

// The bridge. Every function catches everything: an exception thrown from here into the sandbox
// would carry this realm's Error (and through it this realm's Function).
const host = Object.freeze({
  /** @type {(message: unknown) => void} */
  post(message) {
    try {
      const m = /** @type {Record<string, unknown>} */ (JSON.parse(text(message)))
      const id = typeof m.id === 'number' ? m.id : 0
      if (m.t === 'op') port.postMessage({ t: 'op', id, op: m.op, payload: text(m.payload) })
      else if (m.t === 'log') {
        port.postMessage({ t: 'log', id, level: text(m.level), fn: text(m.fn), text: text(m.text) })
      } else if (m.t === 'done') {
        port.postMessage({ t: 'done', id, ok: m.ok === true, value: text(m.value) })
      }
    } catch {
      // Nothing to tell the sandbox; the parent notices a call that never ends.
    }
  },
  /** @type {(size: unknown) => string} */
  randomHex(size) {
    try {
      const n = typeof size === 'number' && size > 0 && size <= 65536 ? Math.floor(size) : 0
      return randomBytes(n).toString('hex')
    } catch {
      return ''
    }
  },
  /** @type {(id: unknown, ms: unknown, repeat: unknown) => void} */
  setTimer(id, ms, repeat) {
    try {
      if (typeof id !== 'number') return
      const delay = typeof ms === 'number' && ms > 0 ? Math.min(ms, 2 ** 31 - 1) : 0
      const fire = () => {
        try {
          runtime.fire(id)
        } catch {
          // The sandbox reports its own errors.
        }
      }
      timers.set(id, repeat === true ? setInterval(fire, delay) : setTimeout(fire, delay))
    } catch {
      // Ignored: a timer that cannot be set never fires.
    }
  },
  /** @type {(id: unknown) => void} */
  clearTimer(id) {
    try {
      const timer = timers.get(/** @type {number} */ (id))
      if (timer !== undefined) {
        clearTimeout(timer)
        clearInterval(timer)
        timers.delete(/** @type {number} */ (id))
      }
    } catch {
      // Ignored.
    }
  },
})

try {
  const sandbox = createContext(Object.create(null), {
    name: 'app functions',
    codeGeneration: { strings: true, wasm: false },
  })
  const runtimeSource = readFileSync(new URL('./sandboxRuntime.js', import.meta.url), 'utf8')
  const install = new Script(runtimeSource, { filename: 'sandboxRuntime.js' }).runInContext(sandbox)
  runtime = install(host)
  new Script(readFileSync(setup.bsonBundlePath, 'utf8'), { filename: 'bson.js' }).runInContext(
    sandbox,
  )
  runtime.configure(setup.config)
  for (const fn of setup.functions) {
    // The source becomes a function body, so `exports`, `module` and `context` are its own
    // parameters: a nested call's `context` never replaces its caller's. Appended after the
    // source, the return keeps line numbers in stack traces as they are in the file.
    const compiled = compileFunction(
      `${fn.source}\n;return typeof module.exports === 'function' ? module.exports : exports`,
      ['exports', 'module', 'context'],
      { filename: fn.path, parsingContext: sandbox },
    )
    runtime.register(fn.name, compiled, fn.runAsSystem)
  }
  port.on('message', (/** @type {Record<string, unknown>} */ message) => {
    if (message.t === 'call' || message.t === 'opResult') runtime.receive(JSON.stringify(message))
  })
  // A promise a function left unhandled must not end the worker (Node's default): it is logged,
  // and the call it belonged to goes on.
  process.on('unhandledRejection', (reason) => {
    let description = 'an unknown reason'
    try {
      const message = /** @type {{ message?: unknown }} */ (reason)?.message
      description = typeof message === 'string' ? message : String(reason)
    } catch {
      // Keep the generic description.
    }
    runtime.reportUnhandled(description)
  })
  port.postMessage({ t: 'ready' })
} catch (error) {
  port.postMessage({ t: 'failed', message: error instanceof Error ? error.message : String(error) })
}
