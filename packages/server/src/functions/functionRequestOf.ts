import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import type { FunctionRequest } from './FunctionRunner'

// Credentials stay out of function code (and so out of whatever it logs).
const WITHHELD_HEADERS = new Set(['authorization', 'cookie'])

const canonicalName = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-')

const remoteAddress = (c: Context): string => {
  try {
    return getConnInfo(c).remote.address ?? ''
  } catch {
    return '' // Called in process (`server.fetch`): there is no socket.
  }
}

/** `context.request` for a call made by this HTTP request (PROTOCOL.md §13). */
export const functionRequestOf = (c: Context, service: string, action: string): FunctionRequest => {
  const requestHeaders: Record<string, string[]> = {}
  c.req.raw.headers.forEach((value, key) => {
    if (WITHHELD_HEADERS.has(key)) return
    ;(requestHeaders[canonicalName(key)] ??= []).push(value)
  })
  const query = new URL(c.req.url).searchParams
  // App Services strips a `secret` query parameter before functions see the query string.
  query.delete('secret')
  return {
    remoteIPAddress: remoteAddress(c),
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
