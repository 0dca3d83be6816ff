// @ts-check
// The `context` a function gets (the "Context" page of App Services' docs): the caller, the
// request, values, the app, the environment, services, other functions and the HTTP client.
import { copy } from './appServicesBson.js'
import { createHttpClient } from './httpClient.js'

/**
 * One call of one function: what its `context` answers from. A nested
 * `context.functions.execute` runs in a frame of its own that shares its caller's `state`.
 * @typedef {object} Frame
 * @property {number} callId
 * @property {boolean} system
 * @property {unknown} user
 * @property {unknown} request
 * @property {CallState} state
 */

/**
 * What one top-level call owns, ended with it.
 * @typedef {object} CallState
 * @property {Set<NodeJS.Timeout | NodeJS.Immediate>} timers the function's own timers
 * @property {AbortController | undefined} abort aborts its HTTP requests (made with the first)
 * @property {ReturnType<typeof createHttpClient> | undefined} http
 */

/**
 * @typedef {object} ContextConfig
 * @property {Record<string, unknown>} app
 * @property {Record<string, unknown>} environment
 * @property {Record<string, unknown>} values
 * @property {string[]} services
 */

/**
 * A property that copies its configured value on first read, so that a call may change its own
 * copy and no other call sees it.
 * @param {Record<string, unknown>} context
 * @param {string} name
 * @param {unknown} value
 */
const lazyCopy = (context, name, value) => {
  /** @type {unknown} */
  let copied
  let made = false
  Object.defineProperty(context, name, {
    enumerable: true,
    get: () => {
      if (!made) {
        copied = copy(value)
        made = true
      }
      return copied
    },
    set: (replacement) => {
      copied = replacement
      made = true
    },
  })
}

/**
 * @param {object} parts
 * @param {ContextConfig} parts.config
 * @param {(frame: Frame, service: string) => unknown} parts.service
 * @param {(frame: Frame, name: unknown, args: unknown[]) => unknown} parts.execute
 */
export const createContextFactory =
  ({ config, service, execute }) =>
  /** @param {Frame} frame */
  (frame) => {
    /** @type {Record<string, unknown>} */
    const context = {
      user: frame.user,
      request: frame.request,
      values: Object.freeze({
        get: (/** @type {unknown} */ name) =>
          Object.hasOwn(config.values, String(name))
            ? copy(config.values[String(name)])
            : undefined,
      }),
      services: Object.freeze({
        get: (/** @type {unknown} */ name) =>
          typeof name === 'string' && config.services.includes(name)
            ? service(frame, name)
            : undefined,
      }),
      functions: Object.freeze({
        execute: (/** @type {unknown} */ name, /** @type {unknown[]} */ ...args) =>
          execute(frame, name, args),
      }),
      runningAsSystem: () => frame.system,
    }
    Object.defineProperty(context, 'http', {
      enumerable: true,
      get: () => {
        const { state } = frame
        state.abort ??= new AbortController()
        return (state.http ??= createHttpClient({ signal: state.abort.signal }))
      },
    })
    lazyCopy(context, 'app', config.app)
    lazyCopy(context, 'environment', config.environment)
    return context
  }
