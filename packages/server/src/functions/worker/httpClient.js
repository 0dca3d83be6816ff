// @ts-check
// `context.http`: App Services' HTTP client (`get`, `post`, `put`, `patch`, `delete`, `head`),
// with its argument and response shapes ("context.http" and the HTTP service's action pages of
// App Services' docs), on Node's fetch. Requests belong to their call: the call's time limit
// covers them (its worker is stopped at the limit), and any still open when the call ends are
// aborted.
import { STATUS_CODES } from 'node:http'
import { binaryOf, bytesOfBinary, EJSON } from './appServicesBson.js'
import { messageOf } from './consoleBridge.js'

/**
 * @typedef {object} HttpRequest
 * @property {string} [url]
 * @property {string} [scheme] `http` (default) or `https`, with `host`, when there is no `url`
 * @property {string} [host]
 * @property {string} [path]
 * @property {Record<string, unknown>} [query] parameter → value or values
 * @property {string} [fragment]
 * @property {string} [username]
 * @property {string} [password]
 * @property {Record<string, unknown>} [headers] name → value or values
 * @property {unknown} [body]
 * @property {boolean} [encodeBodyAsJSON]
 * @property {Record<string, unknown>} [form] fields of a multipart/form-data body
 * @property {Record<string, unknown>} [cookies] name → value
 * @property {string} [authUrl] fetched first; the cookies it sets go with the request
 * @property {boolean} [followRedirects] default false: a 3xx is the answer
 * @property {boolean} [digestAuth]
 */

/** `content-type` → `Content-Type`, as Go (and so App Services) spelled header names. */
const canonical = (/** @type {string} */ name) =>
  name
    .split('-')
    .map((part) => (part ? part[0]?.toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('-')

/** @param {unknown} value @returns {string[]} */
const valuesOf = (value) =>
  (Array.isArray(value) ? value : [value])
    .filter((item) => item !== undefined && item !== null)
    .map(String)

/** @param {string} method @param {HttpRequest} request */
const urlOf = (method, request) => {
  let url
  if (typeof request.url === 'string' && request.url !== '') {
    try {
      url = new URL(request.url)
    } catch {
      throw new Error(`context.http.${method}: "${request.url}" is not a valid URL`)
    }
  } else if (typeof request.host === 'string' && request.host !== '') {
    const scheme =
      typeof request.scheme === 'string' && request.scheme !== '' ? request.scheme : 'http'
    url = new URL(`${scheme}://${request.host}`)
    if (typeof request.path === 'string') url.pathname = request.path
    for (const [key, value] of Object.entries(request.query ?? {})) {
      for (const item of valuesOf(value)) url.searchParams.append(key, item)
    }
    if (typeof request.fragment === 'string') url.hash = request.fragment
  } else {
    throw new Error(
      `context.http.${method} needs a "url", or a "host" (with "scheme", "path", "query")`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`context.http.${method}: only http and https URLs, not "${url.protocol}"`)
  }
  // fetch refuses credentials in a URL: they become a Basic Authorization header.
  const username = request.username ?? decodeURIComponent(url.username)
  const password = request.password ?? decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  return { url, username, password }
}

/** @param {unknown} body @param {Headers} headers @param {boolean} asJson */
const bodyOf = (body, headers, asJson) => {
  if (body === undefined || body === null) return undefined
  const json = () => {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    return EJSON.stringify(/** @type {object} */ (body), { relaxed: true })
  }
  if (asJson) return json()
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return body
  if (typeof body === 'object' && '_bsontype' in body && body._bsontype === 'Binary') {
    return bytesOfBinary(/** @type {import('bson').Binary} */ (body))
  }
  return json()
}

/** @param {Headers} headers */
const cookiesOf = (headers) => {
  /** @type {Record<string, string>} */
  const cookies = {}
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? ''
    const equals = pair.indexOf('=')
    if (equals > 0) cookies[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim()
  }
  return cookies
}

/** @param {Headers} headers */
const headersOf = (headers) => {
  /** @type {Record<string, string[]>} */
  const out = {}
  for (const [name, value] of headers) {
    if (name === 'set-cookie') continue
    out[canonical(name)] = [value]
  }
  const setCookie = headers.getSetCookie()
  if (setCookie.length > 0) out['Set-Cookie'] = setCookie
  return out
}

/**
 * @param {{ signal: AbortSignal }} call
 */
export const createHttpClient = (call) => {
  /**
   * @param {string} method
   * @param {unknown} input
   */
  const send = async (method, input) => {
    const name = method.toLowerCase()
    if (input === null || typeof input !== 'object') {
      throw new TypeError(`context.http.${name} takes one object: { url, headers, body, ... }`)
    }
    const request = /** @type {HttpRequest} */ (input)
    if (request.digestAuth) {
      throw new Error(`context.http.${name}: digestAuth is not supported by this server`)
    }
    const { url, username, password } = urlOf(name, request)
    const headers = new Headers()
    for (const [key, value] of Object.entries(request.headers ?? {})) {
      for (const item of valuesOf(value)) headers.append(key, item)
    }
    if ((username || password) && !headers.has('authorization')) {
      headers.set(
        'authorization',
        `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      )
    }
    const cookies = Object.entries(request.cookies ?? {}).map(
      ([key, value]) => `${key}=${String(value)}`,
    )
    const where = `${method} ${url.origin}${url.pathname}`
    try {
      if (typeof request.authUrl === 'string' && request.authUrl !== '') {
        const auth = await fetch(request.authUrl, { signal: call.signal, redirect: 'follow' })
        await auth.arrayBuffer()
        for (const [key, value] of Object.entries(cookiesOf(auth.headers)))
          cookies.push(`${key}=${value}`)
      }
      if (cookies.length > 0) {
        const existing = headers.get('cookie')
        headers.set('cookie', [existing, ...cookies].filter(Boolean).join('; '))
      }
      /** @type {RequestInit['body']} */
      let body
      if (request.form && typeof request.form === 'object') {
        const form = new FormData()
        for (const [key, value] of Object.entries(request.form)) {
          for (const item of valuesOf(value)) form.append(key, item)
        }
        // fetch writes the multipart type with its boundary.
        headers.delete('content-type')
        body = form
      } else if (method !== 'GET' && method !== 'HEAD') {
        body = bodyOf(request.body, headers, request.encodeBodyAsJSON === true)
      }
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: request.followRedirects === true ? 'follow' : 'manual',
        signal: call.signal,
      })
      const bytes = new Uint8Array(await response.arrayBuffer())
      return {
        status:
          `${response.status} ${response.statusText || STATUS_CODES[response.status] || ''}`.trim(),
        statusCode: response.status,
        contentLength: bytes.byteLength,
        headers: headersOf(response.headers),
        cookies: cookiesOf(response.headers),
        body: binaryOf(bytes),
      }
    } catch (error) {
      if (call.signal.aborted) {
        throw new Error(`${where}: the call ended before the answer came`, { cause: error })
      }
      const cause = /** @type {{ cause?: unknown }} */ (error).cause
      throw new Error(`${where} failed: ${messageOf(cause ?? error)}`, { cause: error })
    }
  }
  return Object.freeze({
    get: (/** @type {unknown} */ request) => send('GET', request),
    post: (/** @type {unknown} */ request) => send('POST', request),
    put: (/** @type {unknown} */ request) => send('PUT', request),
    patch: (/** @type {unknown} */ request) => send('PATCH', request),
    delete: (/** @type {unknown} */ request) => send('DELETE', request),
    head: (/** @type {unknown} */ request) => send('HEAD', request),
  })
}
