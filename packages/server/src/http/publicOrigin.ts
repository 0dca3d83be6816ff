import type { Context } from 'hono'
import type { ServerSettings } from '../ServerContext'
import { normalize, socketAddress } from './clientIp'

const firstValue = (header: string | undefined): string | undefined =>
  header?.split(',')[0]?.trim() || undefined

// A host, optionally with a port: what X-Forwarded-Host may carry, and nothing else.
const HOST = /^[\w.-]+(?::\d{1,5})?$|^\[[\da-f:.]+\](?::\d{1,5})?$/i

/**
 * The origin clients should call, for location discovery (docs/protocol.md §2): the configured public
 * URL; else, behind a trusted proxy, the scheme and host it forwarded (a TLS proxy in front of a
 * plain-HTTP server must not send clients to `http://`); else the request's own origin.
 */
export const publicOrigin = (c: Context, settings: ServerSettings): string => {
  if (settings.publicUrl) return settings.publicUrl
  const url = new URL(c.req.url)
  const peer = socketAddress(c)
  if (peer && settings.trustedProxies.has(normalize(peer))) {
    const proto = firstValue(c.req.header('x-forwarded-proto'))?.toLowerCase()
    const host = firstValue(c.req.header('x-forwarded-host'))
    const scheme = proto === 'http' || proto === 'https' ? proto : url.protocol.slice(0, -1)
    const authority = host && HOST.test(host) ? host : url.host
    return new URL(`${scheme}://${authority}`).origin
  }
  return url.origin
}
