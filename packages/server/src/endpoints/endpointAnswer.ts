import { Binary } from 'bson'
import type { EndpointConfig } from '../appFolder/AppConfig'
import { encodeCanonical } from '../ejson/ejsonCodec'
import { toPlainJson } from './toPlainJson'

/** What the endpoint handler reports after the endpoint function ran (see `endpointHandler`). */
export interface HandlerOutcome {
  /** The function's return value, when the endpoint responds with it; else null. */
  readonly result: unknown
  /** `response.setStatusCode`; null when not called. */
  readonly status: number | null
  /** `response.setHeader` / `addHeader`, by lower-cased name. */
  readonly headers: Readonly<Record<string, readonly string[]>>
  /** `response.setBody`: text, bytes, or null. */
  readonly body: unknown
  readonly bodySet: boolean
  /** Whether the function used `response` at all. */
  readonly touched: boolean
}

// Headers the HTTP layer owns: a function setting them would corrupt the answer's framing.
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
const NO_BODY_STATUSES = new Set([204, 205, 304])

/** `EJSON` or `JSON`: what the request's `Accept` asks for, else the endpoint's `return_type`. */
const formatOf = (accept: string | undefined, endpoint: EndpointConfig): 'JSON' | 'EJSON' => {
  const wanted = (accept ?? '').toLowerCase()
  if (wanted.includes('application/ejson')) return 'EJSON'
  if (wanted.includes('application/json')) return 'JSON'
  return endpoint.returnType
}

const bytesOf = (body: unknown): Uint8Array<ArrayBuffer> | string | null => {
  if (body === null || body === undefined) return null
  if (typeof body === 'string') return body
  if (body instanceof Binary) return new Uint8Array(body.value())
  return JSON.stringify(encodeCanonical(body))
}

/**
 * The HTTP answer of an endpoint or webhook, as App Services built it
 * (reference/config/https_endpoints, services/convert-webhooks-to-endpoints):
 * - endpoints: what the function set on `response`; without a body set, the return value with
 *   `respond_result` (as JSON or EJSON, per `Accept` or `return_type`); the status set, else 200
 *   with a body and 204 without one;
 * - webhooks: a function that used `response` answers only what it set (its return value is
 *   dropped); otherwise the return value with `respond_result`, else 204.
 */
export const endpointAnswer = (
  endpoint: EndpointConfig,
  outcome: HandlerOutcome,
  request: { readonly method: string; readonly accept: string | undefined },
): Response => {
  const headers = new Headers()
  for (const [name, values] of Object.entries(outcome.headers)) {
    if (FRAMING_HEADERS.has(name)) continue
    for (const value of values) headers.append(name, value)
  }
  let body = bytesOf(outcome.body)
  const useResult =
    !outcome.bodySet && endpoint.respondResult && !(endpoint.kind === 'webhook' && outcome.touched)
  if (useResult) {
    const format = formatOf(request.accept, endpoint)
    body = JSON.stringify(
      format === 'EJSON' ? encodeCanonical(outcome.result) : toPlainJson(outcome.result),
    )
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  }
  const status = outcome.status ?? (body === null ? 204 : 200)
  const withoutBody = NO_BODY_STATUSES.has(status) || request.method === 'HEAD'
  return new Response(withoutBody ? null : body, { status, headers })
}
