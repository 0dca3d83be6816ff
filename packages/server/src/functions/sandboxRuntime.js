// Runs inside the function sandbox (see functionWorker.js), before bson's bundle and before any
// app function: the globals App Services functions expect, built from the four bridge functions
// of `host`, which take and return only strings, numbers and booleans. Nothing from the worker's
// realm is ever stored where function code can reach it.
//
// The sandbox lives as long as its worker and runs one call at a time. After each call, globals
// the call added are removed, ours are put back, and its timers are cancelled.
//
// The script's completion value is the installer; the worker calls it with the bridge.
/* eslint-disable @typescript-eslint/no-unused-expressions */
;(function installSandboxRuntime(host) {
  'use strict'

  const postText = host.post
  const post = (message) => postText(JSON.stringify(message))
  const randomHex = host.randomHex
  const setTimer = host.setTimer
  const clearTimer = host.clearTimer
  const global = globalThis
  const installed = new Map()

  const install = (name, value) => {
    installed.set(name, value)
    Object.defineProperty(global, name, { value, writable: true, configurable: true })
  }

  // --- Text encoding (bson needs it; the sandbox has no Web APIs of its own) ---------------

  class TextEncoder {
    get encoding() {
      return 'utf-8'
    }

    encode(input = '') {
      const text = String(input)
      const bytes = []
      for (let i = 0; i < text.length; i += 1) {
        let code = text.charCodeAt(i)
        if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
          const next = text.charCodeAt(i + 1)
          if (next >= 0xdc00 && next <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00)
            i += 1
          } else code = 0xfffd
        } else if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd
        if (code < 0x80) bytes.push(code)
        else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63))
        else if (code < 0x10000) {
          bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63))
        } else {
          bytes.push(
            0xf0 | (code >> 18),
            0x80 | ((code >> 12) & 63),
            0x80 | ((code >> 6) & 63),
            0x80 | (code & 63),
          )
        }
      }
      return new Uint8Array(bytes)
    }
  }

  class TextDecoder {
    constructor(label = 'utf-8', options = {}) {
      if (!/^utf-?8$/i.test(String(label))) {
        throw new RangeError(`TextDecoder: only utf-8 is available here, not "${label}"`)
      }
      this.fatal = options.fatal === true
    }

    get encoding() {
      return 'utf-8'
    }

    decode(input) {
      if (input === undefined) return ''
      const bytes = ArrayBuffer.isView(input)
        ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
        : new Uint8Array(input)
      const parts = []
      let i = 0
      while (i < bytes.length) {
        const first = bytes[i]
        let need = -1
        let code = first
        if (first < 0x80) need = 0
        else if (first >= 0xc2 && first < 0xe0) [need, code] = [1, first & 0x1f]
        else if (first >= 0xe0 && first < 0xf0) [need, code] = [2, first & 0x0f]
        else if (first >= 0xf0 && first < 0xf5) [need, code] = [3, first & 0x07]
        let ok = need >= 0 && i + need < bytes.length
        for (let j = 1; ok && j <= need; j += 1) {
          const next = bytes[i + j]
          if ((next & 0xc0) !== 0x80) ok = false
          else code = (code << 6) | (next & 0x3f)
        }
        if (ok && need === 2 && (code < 0x800 || (code >= 0xd800 && code <= 0xdfff))) ok = false
        if (ok && need === 3 && (code < 0x10000 || code > 0x10ffff)) ok = false
        if (!ok) {
          if (this.fatal) throw new TypeError('The encoded data was not valid for encoding utf-8')
          parts.push('\ufffd')
          i += 1
        } else {
          parts.push(String.fromCodePoint(code))
          i += need + 1
        }
      }
      return parts.join('')
    }
  }

  // --- Base64 (bson's Binary needs atob/btoa) ------------------------------------------------

  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

  const btoa = (input) => {
    const text = String(input)
    let out = ''
    for (let i = 0; i < text.length; i += 3) {
      const codes = [text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)]
      if (codes.some((code) => code > 0xff)) {
        throw new DOMExceptionLike('btoa: the string contains characters outside Latin-1')
      }
      const [a, b = 0, c = 0] = codes.map((code) => (Number.isNaN(code) ? undefined : code))
      const bits = (a << 16) | (b << 8) | c
      out += BASE64[(bits >> 18) & 63] + BASE64[(bits >> 12) & 63]
      out += i + 1 < text.length ? BASE64[(bits >> 6) & 63] : '='
      out += i + 2 < text.length ? BASE64[bits & 63] : '='
    }
    return out
  }

  const atob = (input) => {
    const text = String(input)
      .replace(/[\t\n\f\r ]+/g, '')
      .replace(/==?$/, '')
    if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
      throw new DOMExceptionLike('atob: the string is not valid base64')
    }
    let out = ''
    for (let i = 0; i < text.length; i += 4) {
      const chunk = text.slice(i, i + 4)
      let bits = 0
      for (let j = 0; j < 4; j += 1)
        bits = (bits << 6) | (j < chunk.length ? BASE64.indexOf(chunk[j]) : 0)
      out += String.fromCharCode((bits >> 16) & 0xff)
      if (chunk.length > 2) out += String.fromCharCode((bits >> 8) & 0xff)
      if (chunk.length > 3) out += String.fromCharCode(bits & 0xff)
    }
    return out
  }

  class DOMExceptionLike extends Error {
    constructor(message) {
      super(message)
      this.name = 'InvalidCharacterError'
    }
  }

  // --- Randomness and timers, from the worker ------------------------------------------------

  const crypto = Object.freeze({
    getRandomValues(array) {
      if (!ArrayBuffer.isView(array)) throw new TypeError('getRandomValues needs a typed array')
      const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
      if (view.length > 65536) throw new RangeError('getRandomValues: at most 65536 bytes')
      const hex = randomHex(view.length)
      for (let k = 0; k < view.length; k += 1) view[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16)
      return array
    },
    randomUUID() {
      const bytes = crypto.getRandomValues(new Uint8Array(16))
      bytes[6] = (bytes[6] & 0x0f) | 0x40
      bytes[8] = (bytes[8] & 0x3f) | 0x80
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    },
  })

  let nextTimer = 1
  const timers = new Map()
  const startTimer = (repeat) =>
    function (callback, ms, ...args) {
      if (typeof callback !== 'function')
        throw new TypeError('the timer callback must be a function')
      const id = nextTimer
      nextTimer += 1
      timers.set(id, { callback, args, repeat })
      setTimer(id, Number(ms) || 0, repeat)
      return id
    }
  const stopTimer = (id) => {
    if (timers.delete(id)) clearTimer(id)
  }

  install('TextEncoder', TextEncoder)
  install('TextDecoder', TextDecoder)
  install('atob', atob)
  install('btoa', btoa)
  install('crypto', crypto)
  install('setTimeout', startTimer(false))
  install('setInterval', startTimer(true))
  install('setImmediate', (callback, ...args) => startTimer(false)(callback, 0, ...args))
  install('clearTimeout', stopTimer)
  install('clearInterval', stopTimer)
  install('clearImmediate', stopTimer)
  install('queueMicrotask', (callback) => {
    Promise.resolve().then(callback).catch(reportUnhandled)
  })
  install('require', (name) => {
    throw new Error(
      `require('${String(name)}') is not available: functions run in a sandbox without Node.js modules; use the globals context, BSON and EJSON`,
    )
  })
  install(
    'utils',
    Object.freeze({
      get crypto() {
        throw new Error('utils.crypto is not available yet in this server')
      },
      get jwt() {
        throw new Error('utils.jwt is not available yet in this server')
      },
    }),
  )

  // --- State set by configure(), once bson has loaded -------------------------------------

  let EJSON
  let config
  let baseline
  const registry = new Map()
  const pending = new Map()
  let nextOp = 1
  let current // { callId, name } of the call running now

  const typeOf = (value) =>
    value !== null && typeof value === 'object' ? value._bsontype : undefined

  // The same decoding as the server's: numbers where JavaScript holds them exactly, Long where it
  // cannot, bson classes for the rest.
  const toNative = (value) => {
    const type = typeOf(value)
    if (type === 'Int32' || type === 'Double') return value.valueOf()
    if (type === 'Long') {
      const asNumber = value.toNumber()
      return Number.isSafeInteger(asNumber) ? asNumber : value
    }
    if (Array.isArray(value)) return value.map(toNative)
    if (
      value !== null &&
      typeof value === 'object' &&
      Object.getPrototypeOf(value) === Object.prototype
    ) {
      const out = {}
      for (const key of Object.keys(value)) {
        Object.defineProperty(out, key, {
          value: toNative(value[key]),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return out
    }
    return value
  }
  const decode = (text) => toNative(EJSON.parse(text, { relaxed: false }))
  const encode = (value) => EJSON.stringify(value === undefined ? null : value, { relaxed: false })

  const messageOf = (error) => {
    try {
      if (error !== null && typeof error === 'object' && typeof error.message === 'string') {
        return error.message
      }
      return String(error)
    } catch {
      return 'the function threw a value that cannot be shown'
    }
  }
  const errorText = (error) => {
    let name = 'Error'
    try {
      if (error !== null && typeof error === 'object' && typeof error.name === 'string') {
        name = error.name
      }
    } catch {
      // Keep 'Error'.
    }
    return JSON.stringify({ message: messageOf(error), name })
  }

  // --- console, into the server log -----------------------------------------------------------

  const show = (item) => {
    if (typeof item === 'string') return item
    if (item instanceof Error) return item.stack || `${item.name}: ${item.message}`
    try {
      const text = EJSON.stringify(item, { relaxed: true })
      return text === undefined ? String(item) : text
    } catch {
      return String(item)
    }
  }
  const log = (level) =>
    function (...items) {
      post({
        t: 'log',
        id: current ? current.callId : 0,
        level,
        fn: current ? current.name : '',
        text: items.map(show).join(' ').slice(0, 10000),
      })
    }
  install(
    'console',
    Object.freeze({
      log: log('info'),
      info: log('info'),
      debug: log('debug'),
      trace: log('debug'),
      warn: log('warn'),
      error: log('error'),
    }),
  )

  function reportUnhandled(reason) {
    post({
      t: 'log',
      id: current ? current.callId : 0,
      level: 'error',
      fn: current ? current.name : '',
      text: `unhandled rejection: ${messageOf(reason)}`,
    })
  }

  // --- The collection API: each operation is a message to the server's store ----------------

  const request = (frame, operation) =>
    new Promise((resolve, reject) => {
      const op = nextOp
      nextOp += 1
      const { service, db, coll, action, args } = operation
      let payload
      try {
        payload = JSON.stringify({
          system: frame.system,
          service,
          db,
          coll,
          action,
          args: encode(args),
        })
      } catch (error) {
        reject(new Error(`${action}: the arguments cannot be sent as EJSON (${messageOf(error)})`))
        return
      }
      pending.set(op, { resolve, reject })
      post({ t: 'op', id: frame.callId, op, payload })
    })

  const notSupported = (what) => () => {
    throw new Error(`${what} is not supported by this server`)
  }

  const cursor = (run, options) => {
    const state = { ...options }
    let results
    let position = 0
    const fetch = () => (results ??= run(state))
    const self = {
      sort(sort) {
        state.sort = sort
        return self
      },
      limit(limit) {
        state.limit = limit
        return self
      },
      skip(skip) {
        state.skip = skip
        return self
      },
      project(projection) {
        state.projection = projection
        return self
      },
      toArray: () => fetch(),
      async next() {
        const all = await fetch()
        const item = all[position]
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

  const checkName = (value, what) => {
    if (typeof value !== 'string' || value === '')
      throw new TypeError(`${what} must be a non-empty string`)
    return value
  }

  const collectionApi = (frame, namespace) => {
    const call = (action, ...args) => request(frame, { ...namespace, action, args })
    return Object.freeze({
      find: (query = {}, projection, options = {}) =>
        cursor((state) => call('find', query, state), {
          ...options,
          projection: projection ?? options.projection,
        }),
      findOne: (query = {}, projection, options = {}) =>
        call('findOne', query, { ...options, projection: projection ?? options.projection }),
      findOneAndUpdate: (filter, update, options = {}) =>
        call('findOneAndUpdate', filter, update, options),
      findOneAndReplace: (filter, replacement, options = {}) =>
        call('findOneAndReplace', filter, replacement, options),
      findOneAndDelete: (filter, options = {}) => call('findOneAndDelete', filter, options),
      insertOne: (document) => call('insertOne', document),
      insertMany: (documents) => call('insertMany', documents),
      updateOne: (filter, update, options = {}) => call('updateOne', filter, update, options),
      updateMany: (filter, update, options = {}) => call('updateMany', filter, update, options),
      replaceOne: (filter, replacement, options = {}) =>
        call('replaceOne', filter, replacement, options),
      deleteOne: (filter) => call('deleteOne', filter),
      deleteMany: (filter) => call('deleteMany', filter),
      count: (query = {}, options = {}) => call('count', query, options),
      countDocuments: (query = {}, options = {}) => call('countDocuments', query, options),
      distinct: (field, query = {}) => call('distinct', field, query),
      aggregate: (pipeline) => cursor(() => call('aggregate', pipeline), {}),
      bulkWrite: notSupported('collection.bulkWrite()'),
      watch: notSupported('collection.watch()'),
    })
  }

  const serviceApi = (frame, service) =>
    Object.freeze({
      db: (name) =>
        Object.freeze({
          collection: (coll) =>
            collectionApi(frame, {
              service,
              db: checkName(name, 'the database name'),
              coll: checkName(coll, 'the collection name'),
            }),
          getCollectionNames: notSupported('database.getCollectionNames()'),
        }),
      admin: notSupported('mongodb.admin()'),
    })

  // --- context and calls -------------------------------------------------------------------

  const copy = (value) => (value === undefined ? undefined : decode(encode(value)))

  // A copy of a configured value on first read, so a call can change its own and no other's.
  const lazyCopy = (context, name, value) => {
    let copied
    Object.defineProperty(context, name, {
      enumerable: true,
      get: () => (copied ??= copy(value)),
      set: (replacement) => {
        copied = replacement
      },
    })
  }

  const contextFor = (frame) => {
    const context = {
      user: frame.user,
      request: frame.request,
      values: Object.freeze({ get: (name) => copy(config.values[String(name)]) }),
      services: Object.freeze({
        get: (name) => (config.services.includes(name) ? serviceApi(frame, name) : undefined),
      }),
      functions: Object.freeze({
        execute: (name, ...args) => execute(frame, name, args),
      }),
      runningAsSystem: () => frame.system,
    }
    lazyCopy(context, 'app', config.app)
    lazyCopy(context, 'environment', config.environment)
    Object.defineProperty(context, 'http', {
      get() {
        throw new Error('context.http is not available yet in this server')
      },
    })
    return context
  }

  const invoke = (entry, args, frame) => {
    const module = { exports: undefined }
    const fn = entry.compiled(undefined, module, contextFor(frame))
    if (typeof fn !== 'function') {
      throw new Error(`functions/${entry.name}.js must assign a function to exports`)
    }
    return fn(...args)
  }

  const execute = (frame, name, args) => {
    const entry = registry.get(String(name))
    if (!entry) return Promise.reject(new Error(`function not found: '${String(name)}'`))
    // A nested call runs as its caller unless the target itself runs as system (App Services).
    const nested = { ...frame, system: frame.system || entry.runAsSystem }
    return Promise.resolve().then(() => invoke(entry, args, nested))
  }

  const endCall = () => {
    for (const id of [...timers.keys()]) stopTimer(id)
    for (const key of Reflect.ownKeys(global)) {
      if (!baseline.has(key)) delete global[key]
    }
    for (const [name, value] of installed) {
      if (global[name] !== value)
        Object.defineProperty(global, name, { value, writable: true, configurable: true })
    }
    current = undefined
  }

  const finish = (callId, ok, value) => {
    endCall()
    if (!ok) {
      post({ t: 'done', id: callId, ok: false, value: errorText(value) })
      return
    }
    let text
    try {
      text = encode(value)
    } catch (error) {
      const failure = new Error(
        `the function's return value cannot be sent as EJSON: ${messageOf(error)}`,
      )
      post({ t: 'done', id: callId, ok: false, value: errorText(failure) })
      return
    }
    post({ t: 'done', id: callId, ok: true, value: text })
  }

  const run = (message) => {
    const {
      id: callId,
      name,
      args: argsText,
      user: userText,
      system,
      request: requestText,
    } = message
    current = { callId, name }
    try {
      const entry = registry.get(name)
      if (!entry) throw new Error(`function not found: '${name}'`)
      const args = decode(argsText)
      const user =
        userText === ''
          ? { id: '', type: 'system', data: {}, custom_data: {}, identities: [] }
          : decode(userText)
      const frame = {
        callId,
        system: system === true,
        user,
        request: requestText === '' ? undefined : JSON.parse(requestText),
      }
      Promise.resolve()
        .then(() => invoke(entry, Array.isArray(args) ? args : [], frame))
        .then(
          (value) => finish(callId, true, value),
          (error) => finish(callId, false, error),
        )
    } catch (error) {
      finish(callId, false, error)
    }
  }

  const settle = ({ op, ok, value: text }) => {
    const waiting = pending.get(op)
    if (!waiting) return
    pending.delete(op)
    try {
      if (ok) waiting.resolve(decode(text))
      else {
        const { message, code } = JSON.parse(text)
        const error = new Error(message)
        if (code) error.code = code
        waiting.reject(error)
      }
    } catch (error) {
      waiting.reject(error)
    }
  }

  return Object.freeze({
    configure(configText) {
      EJSON = global.BSON.EJSON
      install('EJSON', EJSON)
      config = decode(configText)
      baseline = new Set(Reflect.ownKeys(global))
    },

    register(name, compiled, runAsSystem) {
      registry.set(name, { name, compiled, runAsSystem })
    },

    receive(messageText) {
      const message = JSON.parse(messageText)
      if (message.t === 'call') run(message)
      else if (message.t === 'opResult') settle(message)
    },

    fire(id) {
      const timer = timers.get(id)
      if (!timer) return
      if (!timer.repeat) timers.delete(id)
      try {
        timer.callback(...timer.args)
      } catch (error) {
        reportUnhandled(error)
      }
    },

    reportUnhandled,
  })
})
