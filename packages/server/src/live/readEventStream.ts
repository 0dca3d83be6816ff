/** One server-sent event; a comment frame (`: ping`) has the event `comment` and its text. */
export interface SseFrame {
  readonly event: string
  readonly data: string
}

/** A reader of a `text/event-stream` response, for tests and the benchmark. */
export interface EventStream {
  readonly response: Response
  /** Every frame received so far, in order. */
  readonly frames: SseFrame[]
  /** Resolves with the first frame (already received or to come) `match` accepts after `from`. */
  waitFor(
    match: (frame: SseFrame) => boolean,
    options?: { readonly timeoutMs?: number; readonly from?: number },
  ): Promise<SseFrame>
  /** Resolves when the server ends the response (or the connection breaks). */
  readonly ended: Promise<void>
  /** Aborts the request. */
  close(): void
}

/** Splits event-stream text into frames (HTML's event-stream interpretation, without id/retry). */
export const parseFrames = (block: string): SseFrame | undefined => {
  let event = 'message'
  const data: string[] = []
  let comment: string | undefined
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) comment = line.slice(1).trimStart()
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  if (data.length > 0) return { event, data: data.join('\n') }
  return comment === undefined ? undefined : { event: 'comment', data: comment }
}

/** Opens an event stream with `fetch` and reads it in the background. */
export const openEventStream = async (
  url: string,
  init: RequestInit = {},
): Promise<EventStream> => {
  const abort = new AbortController()
  const response = await fetch(url, {
    ...init,
    headers: { Accept: 'text/event-stream', ...init.headers },
    signal: abort.signal,
  })
  const frames: SseFrame[] = []
  const waiters = new Set<() => void>()
  let done = false
  const ended = (async () => {
    if (!response.body) return
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
          const frame = parseFrames(buffer.slice(0, end))
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
          if (frame) frames.push(frame)
        }
        for (const wake of waiters) wake()
      }
    } catch {
      // Aborted or cut off: the stream has ended either way.
    } finally {
      done = true
      for (const wake of waiters) wake()
    }
  })()
  return {
    response,
    frames,
    ended,
    close: () => abort.abort(),
    waitFor(match, options = {}) {
      const timeoutMs = options.timeoutMs ?? 10_000
      const from = options.from ?? 0
      return new Promise<SseFrame>((resolve, reject) => {
        const check = (): boolean => {
          const found = frames.slice(from).find(match)
          if (found) {
            resolve(found)
            return true
          }
          if (done) reject(new Error(`the stream ended; frames: ${JSON.stringify(frames)}`))
          return done
        }
        if (check()) return
        const timer = setTimeout(() => {
          waiters.delete(wake)
          reject(
            new Error(`no such frame within ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`),
          )
        }, timeoutMs)
        const wake = (): void => {
          if (check()) {
            clearTimeout(timer)
            waiters.delete(wake)
          }
        }
        waiters.add(wake)
      })
    },
  }
}
