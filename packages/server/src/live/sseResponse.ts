import type { Context } from 'hono'
import type { ServerResponse } from 'node:http'
import { createSseStream, type SseStream, type StreamEndReason } from './createSseStream'

/**
 * A bounded event stream for this request and the response that carries it. Proxies are told
 * not to buffer it (`X-Accel-Buffering: no` for nginx, `no-transform` against compression), and
 * a reader cut off for being slow loses its connection at once (through the Node adapter's
 * response when there is one).
 */
export const sseResponse = (
  c: Context,
  options: {
    readonly maxBufferedBytes: number
    readonly onClose: (reason: StreamEndReason) => void
  },
): { stream: SseStream; response: Response } => {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing
  const stream = createSseStream({
    maxBufferedBytes: options.maxBufferedBytes,
    onClose: options.onClose,
    ...(outgoing ? { destroy: () => outgoing.destroy() } : {}),
  })
  // In process (no socket), a client that aborts its fetch ends the stream this way.
  c.req.raw.signal.addEventListener('abort', () => stream.close(), { once: true })
  const response = new Response(stream.body, {
    status: 200,
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    },
  })
  return { stream, response }
}
