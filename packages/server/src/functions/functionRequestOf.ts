import type { Context } from 'hono'
import { clientAddress } from '../http/clientIp'
import type { FunctionRequest } from './FunctionRunner'

// Credentials stay out of function code (and so out of whatever it logs).
const WITHHELD_HEADERS = new Set(['authorization', 'cookie'])

const canonicalName = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-')

/** What `context.request` says about the call beside the HTTP request itself. */
export interface FunctionRequestInput {
  /** `mongodb-atlas` for a service action, empty for a function call. */
  readonly service: string
  /** The function's (or the service action's) name. */
  readonly action: string
  /** Proxies whose `X-Forwarded-For` names the client (`remoteIPAddress`), as for rate limits. */
  readonly trustedProxies: ReadonlySet<string>
}

/** `context.request` for a call made by this HTTP request (docs/protocol.md §13). */
export const functionRequestOf = (
  c: Context,
  { service, action, trustedProxies }: FunctionRequestInput,
): FunctionRequest => {
  // A Map, then fromEntries: a header named "__proto__" stays data (indexing an object with it
  // would reach Object.prototype).
  const headers = new Map<string, string[]>()
  c.req.raw.headers.forEach((value, key) => {
    if (WITHHELD_HEADERS.has(key)) return
    const name = canonicalName(key)
    headers.set(name, [...(headers.get(name) ?? []), value])
  })
  const requestHeaders = Object.fromEntries(headers)
  const query = new URL(c.req.url).searchParams
  // App Services strips a `secret` query parameter before functions see the query string.
  query.delete('secret')
  return {
    // Empty when called in process (`server.fetch`): there is no socket.
    remoteIPAddress: clientAddress(c, trustedProxies) ?? '',
    requestHeaders,
    httpMethod: c.req.method,
    rawQueryString: query.toString(),
    httpReferrer: c.req.header('referer') ?? '',
    httpUserAgent: c.req.header('user-agent') ?? '',
    webhookUrl: '',
    service,
    action,
  }
}
