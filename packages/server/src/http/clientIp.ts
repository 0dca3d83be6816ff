import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import { isIP } from 'node:net'

/** The key requests without a known address share: never unlimited (docs/reliability.md C3). */
export const UNKNOWN_CLIENT = 'unknown'

export const normalize = (address: string): string => {
  const trimmed = address.trim()
  // IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d.
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed
}

/** An IPv6 client is keyed by its /64: one host can hold a whole /64 (docs/reliability.md C4). */
const rateLimitKey = (address: string): string => {
  if (isIP(address) !== 6) return address
  const [head = '', tail = ''] = address.split('::')
  const headParts = head === '' ? [] : head.split(':')
  const tailParts = tail === '' ? [] : tail.split(':')
  const groups = address.includes('::')
    ? [
        ...headParts,
        ...Array<string>(8 - headParts.length - tailParts.length).fill('0'),
        ...tailParts,
      ]
    : headParts
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/** The socket peer's address, or undefined for a request handled in process. */
export const socketAddress = (c: Context): string | undefined => {
  try {
    return getConnInfo(c).remote.address
  } catch {
    // No socket: the handler was called in process (`server.fetch`), not over HTTP.
    return undefined
  }
}

/**
 * The client's address: the socket's peer, unless that peer is one of the explicitly trusted
 * proxies; then the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy. A client
 * can prepend anything to `X-Forwarded-For`, so the leftmost entry is never believed, and with no
 * trusted proxy the header is ignored (docs/reliability.md C2). Undefined when there is no socket.
 */
export const clientAddress = (
  c: Context,
  trustedProxies: ReadonlySet<string>,
): string | undefined => {
  const peer = socketAddress(c)
  if (!peer) return undefined
  let address = normalize(peer)
  if (trustedProxies.has(address)) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map(normalize)
      .filter((entry) => isIP(entry) !== 0)
    for (let i = forwarded.length - 1; i >= 0; i--) {
      address = forwarded[i] ?? address
      if (!trustedProxies.has(address)) break
    }
  }
  return address
}

/**
 * The key a client is rate limited under: its address (`clientAddress`), an IPv6 one by its /64;
 * requests without a known address share `UNKNOWN_CLIENT` (docs/reliability.md C3, C4).
 */
export const clientIp = (c: Context, trustedProxies: ReadonlySet<string>): string => {
  const address = clientAddress(c, trustedProxies)
  return address === undefined ? UNKNOWN_CLIENT : rateLimitKey(address)
}
