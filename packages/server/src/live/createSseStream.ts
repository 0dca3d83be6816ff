/** Why a stream ended, as its `end` frame says. */
export type StreamEndReason =
  'logout' | 'expired' | 'shutdown' | 'replaced' | 'slow' | 'closed' | 'error'

/** One server-sent-events response body, bounded: a reader that falls behind is cut off. */
export interface SseStream {
  /** The response body to answer with. */
  readonly body: ReadableStream<Uint8Array>
  /** Queues a frame; false (and the stream is cut off) when the reader is too far behind. */
  send(frame: string): boolean
  /** Sends `last` if given, then ends the response once the reader has what was queued. */
  close(last?: string): void
  readonly closed: boolean
}

export interface SseStreamOptions {
  /** Bytes queued for a reader that does not read before it is cut off. */
  readonly maxBufferedBytes: number
  /** Called once, however the stream ends (closed here, cut off, or the reader went away). */
  readonly onClose: (reason: StreamEndReason) => void
  /**
   * Drops the connection of a reader cut off for being slow. Default: the body errors, which
   * makes the HTTP adapter destroy it (and log the error).
   */
  readonly destroy?: () => void
}

const encoder = new TextEncoder()

/**
 * A `text/event-stream` body whose queue is bounded in bytes. The HTTP adapter reads it as fast
 * as the socket drains, so what queues here is what the client has not taken: past
 * `maxBufferedBytes` the stream errors, which makes the adapter destroy the connection instead
 * of holding memory for a reader that is not reading (a client behind a stalled network).
 */
export const createSseStream = (options: SseStreamOptions): SseStream => {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let closed = false
  const finish = (reason: StreamEndReason): void => {
    if (closed) return
    closed = true
    options.onClose(reason)
  }
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      cancel() {
        // The reader went away (the client closed the connection).
        finish('closed')
      },
    },
    { highWaterMark: options.maxBufferedBytes, size: (chunk) => chunk.byteLength },
  )
  const stream: SseStream = {
    body,
    get closed() {
      return closed
    },
    send(frame) {
      if (closed) return false
      controller.enqueue(encoder.encode(frame))
      if ((controller.desiredSize ?? 0) < 0) {
        finish('slow')
        // Not a close, which would wait for the reader to take the queue: the connection goes.
        if (options.destroy) options.destroy()
        else controller.error(new Error('the reader of a live stream fell too far behind'))
        return false
      }
      return true
    },
    close(last) {
      if (closed) return
      if (last) controller.enqueue(encoder.encode(last))
      controller.close()
      finish('closed')
    },
  }
  return stream
}
