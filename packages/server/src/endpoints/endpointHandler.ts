import { resolve } from 'node:path'
import type { AppConfig, FunctionDefinition } from '../appFolder/AppConfig'
import { compileRuleExpression } from '../collection/ruleExpression'

/**
 * The private function through which every HTTPS endpoint and webhook request reaches its
 * function. It runs in the function sandbox like any app function, so the endpoint function gets
 * App Services' own objects, made where it runs: `request` (`query`, `headers` with array
 * values, `body` as `BSON.Binary` with `text()`) and `response` (`setStatusCode`, `setBody`,
 * `setHeader`, `addHeader`). It calls the endpoint function with `context.functions.execute`, so
 * that function runs as its caller (or as system when configured so), and answers what the
 * function returned with what it set on `response`.
 */
export const ENDPOINT_HANDLER = '<endpoint request handler>'

// Plain JavaScript evaluated in the sandbox: it may use only what function code may use.
const SOURCE = `exports = async function handleEndpointRequest(target, input, options) {
  // body is a BSON.Binary, which reads as text with text() (App Services' BSON).
  const request = { query: input.query, headers: input.headers, body: input.body }
  if (options.mode === 'script') return context.functions.execute(target, request)
  const state = { status: null, headers: {}, body: null, bodySet: false, touched: false }
  const response = Object.freeze({
    setStatusCode(code) {
      if (!Number.isInteger(code) || code < 200 || code > 599) {
        throw new TypeError('setStatusCode needs an HTTP status code from 200 to 599, got ' + String(code))
      }
      state.status = code
      state.touched = true
    },
    setBody(body) {
      state.body = body
      state.bodySet = true
      state.touched = true
    },
    setHeader(name, value) {
      state.headers[String(name).toLowerCase()] = [String(value)]
      state.touched = true
    },
    addHeader(name, value) {
      const key = String(name).toLowerCase()
      ;(state.headers[key] = state.headers[key] || []).push(String(value))
      state.touched = true
    },
  })
  const result = await context.functions.execute(target, request, response)
  let body = state.body
  if (body instanceof ArrayBuffer) body = new Uint8Array(body)
  if (body instanceof Uint8Array) body = new BSON.Binary(body)
  if (body !== null && body !== undefined && typeof body !== 'string' && !(body instanceof BSON.Binary)) {
    body = EJSON.stringify(body)
  }
  return {
    result: options.respondResult && result !== undefined ? result : null,
    status: state.status,
    headers: state.headers,
    body: body === undefined ? null : body,
    bodySet: state.bodySet,
    touched: state.touched,
  }
}
`

const handlerIn = (dir: string): FunctionDefinition => ({
  name: ENDPOINT_HANDLER,
  // The runtime wants a file to run a function from; it requires nothing.
  path: resolve(dir, 'https_endpoints', 'endpointRequestHandler.js'),
  source: SOURCE,
  code: SOURCE,
  modules: [],
  private: true,
  runAsSystem: false,
  // The request (headers, body) is the endpoint's business, not the log's.
  disableArgLogs: true,
  canEvaluate: compileRuleExpression({}, { documentAllowed: false }),
})

/** The app as the function runtime should load it: its functions and the endpoint handler. */
export const withEndpointHandler = (app: AppConfig): AppConfig =>
  app.endpoints.length === 0
    ? app
    : {
        ...app,
        functions: new Map([...app.functions, [ENDPOINT_HANDLER, handlerIn(app.dir)]]),
      }
