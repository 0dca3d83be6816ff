/** The calling user as functions see it in `context.user` (PROTOCOL.md §13). */
export interface FunctionUser {
  readonly id: string
  readonly type: string
  readonly data: Record<string, unknown>
  readonly custom_data: Record<string, unknown>
  readonly identities: readonly { id: string; provider_type: string }[]
}

/** A write a function made, reported as it commits. */
export interface WriteEvent {
  readonly db: string
  readonly coll: string
  readonly ids: readonly unknown[]
}

export interface FunctionCall {
  readonly name: string
  readonly args: readonly unknown[]
  readonly user: FunctionUser | null
  /**
   * Told of every write this call makes (nested `context.functions.execute` calls included), so
   * the route can tell whether the caller's custom data changed (PROTOCOL.md §17.3).
   */
  readonly onWrite?: (event: WriteEvent) => void
}

/**
 * Runs app functions. The route layer only knows this interface, so the runtime behind it (in
 * process for now, a worker pool later) can change without touching the HTTP side.
 */
export interface FunctionRunner {
  /** Whether a function of that name exists (private ones included). */
  has(name: string): boolean
  /** Runs a function and resolves with its return value; rejects with what it threw. */
  call(call: FunctionCall): Promise<unknown>
  close(): Promise<void>
}
