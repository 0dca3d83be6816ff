/** The calling user as functions see it in `context.user` (PROTOCOL.md §13). */
export interface FunctionUser {
  readonly id: string
  readonly type: string
  readonly data: Record<string, unknown>
  readonly custom_data: Record<string, unknown>
  readonly identities: readonly { id: string; provider_type: string }[]
}

export interface FunctionCall {
  readonly name: string
  readonly args: readonly unknown[]
  readonly user: FunctionUser | null
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
