/**
 * Server-sent-events framing (HTML's `text/event-stream`), as our client and realm-web read it.
 * Every payload here is one line of JSON (or a JWT), so each frame has one `data:` line.
 */

/** A frame of type `event` carrying `data` (which must hold no line break). */
export const sseEvent = (event: string, data: string): string =>
  `event: ${event}\ndata: ${data}\n\n`

/**
 * A comment frame: ignored by every reader, it keeps proxies and load balancers from closing an
 * idle connection, and tells the writer early when the reader is gone.
 */
export const sseComment = (text: string): string => `: ${text}\n\n`

/**
 * The data of a realm-web `watch()` frame: App Services (Stitch) percent-escapes `%`, CR and LF
 * in event data, and realm-web 2.0.1's WatchStream (`feedSse`) undoes exactly those three.
 */
export const escapeWatchData = (text: string): string =>
  text.replace(/%/g, '%25').replace(/\n/g, '%0A').replace(/\r/g, '%0D')
