import type { FeedChange } from '../feed/changeEventOf'
import type { StreamEndReason } from './createSseStream'

/** One open live stream, as the hub (createLiveHub.ts) keeps it. */
export interface LiveEntry {
  readonly userId: string
  readonly sessionId: string
  /** When its access token expires, in ms since the epoch: the stream ends then. */
  readonly expiresAtMs: number
  /** A custom-data stream: takes the user's new custom data (relaxed EJSON, undefined: none). */
  readonly onCustomData?: (userData: unknown) => Promise<void>
  /** A `watch()`: the namespace (`db.coll`) it watches, and what takes each change there. */
  readonly watch?: { readonly namespace: string; onChange(change: FeedChange): void }
  /** Keeps the connection warm; false when the stream is gone. */
  heartbeat(): boolean
  /** Sends the stream's last frame for `reason`, then ends it. */
  end(reason: StreamEndReason): void
}
