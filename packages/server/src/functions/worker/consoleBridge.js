// @ts-check
// `console` in functions (and in the packages they load): every line goes to the server's log as
// a message, tagged with the call and function that wrote it. Nothing reaches the worker's stdout.
import { inspect } from 'node:util'
import { EJSON } from './appServicesBson.js'

/** @typedef {import('../workerProtocol.ts').LogLevel} LogLevel */
/** @typedef {import('../workerProtocol.ts').LogMessage} LogMessage */

const MAX_LINE = 10_000

/** @param {unknown} item */
const show = (item) => {
  if (typeof item === 'string') return item
  if (item instanceof Error) return item.stack ?? `${item.name}: ${item.message}`
  try {
    const text = EJSON.stringify(/** @type {object} */ (item), { relaxed: true })
    return text === undefined ? String(item) : text
  } catch {
    return inspect(item, { depth: 4 })
  }
}

/**
 * @param {(message: LogMessage) => void} post
 * @param {() => { id: number, name: string } | undefined} currentCall
 */
export const createConsole = (post, currentCall) => {
  /** @param {LogLevel} level */
  const line =
    (level) =>
    (/** @type {unknown[]} */ ...items) => {
      const call = currentCall()
      post({
        t: 'log',
        id: call ? call.id : 0,
        level,
        fn: call ? call.name : '',
        text: items.map(show).join(' ').slice(0, MAX_LINE),
      })
    }
  const log = line('info')
  return Object.freeze({
    log,
    info: log,
    debug: line('debug'),
    trace: line('debug'),
    warn: line('warn'),
    error: line('error'),
    // What packages call besides: harmless, and quiet.
    dir: (/** @type {unknown} */ item) => log(inspect(item, { depth: 4 })),
    table: log,
    group: () => {},
    groupEnd: () => {},
    time: () => {},
    timeEnd: () => {},
    assert: (/** @type {unknown} */ condition, /** @type {unknown[]} */ ...items) => {
      if (!condition) line('error')('Assertion failed:', ...items)
    },
  })
}

/** A message for a thrown value of any kind, never throwing itself. */
export const messageOf = (/** @type {unknown} */ error) => {
  try {
    if (error !== null && typeof error === 'object' && 'message' in error) {
      const { message } = error
      if (typeof message === 'string') return message
    }
    return String(error)
  } catch {
    return 'the function threw a value that cannot be shown'
  }
}
