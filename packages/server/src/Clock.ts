/** The server's notion of now, injected so tests can move time (token expiry, lifetimes). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
