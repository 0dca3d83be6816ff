/** The calling user as functions see it in `context.user` (docs/protocol.md §13). */
export interface FunctionUser {
  readonly id: string
  readonly type: string
  readonly data: Record<string, unknown>
  readonly custom_data: Record<string, unknown>
  readonly identities: readonly { id: string; provider_type: string }[]
}

/** `context.request` (docs/protocol.md §13): the HTTP request that led to the call. */
export interface FunctionRequest {
  readonly remoteIPAddress: string
  /** Header name → values, as App Services gives them. Authorization and Cookie are left out. */
  readonly requestHeaders: Readonly<Record<string, readonly string[]>>
  readonly httpMethod: string
  readonly rawQueryString: string
  readonly httpReferrer: string
  readonly httpUserAgent: string
  readonly webhookUrl: string
  /** `mongodb-atlas` for a service action, empty for a function call. */
  readonly service: string
  /** The function's (or the service action's) name. */
  readonly action: string
}

export interface FunctionCall {
  readonly name: string
  readonly args: readonly unknown[]
  /**
   * The user the call runs for. `null` runs it as the system user: rules do not apply and
   * `context.user` is the system user (the server's own calls: user creation, auth functions).
   */
  readonly user: FunctionUser | null
  /** Run as the system user even with a user (rules do not apply); default: the function's config. */
  readonly runAsSystem?: boolean
  /** `context.request`; absent for calls that did not come from a client request. */
  readonly request?: FunctionRequest
  /**
   * A shorter wall-clock limit for this call, in ms (a rule's `%function` has its own); the
   * runtime's limit applies when it is absent or larger.
   */
  readonly timeLimitMs?: number
  /**
   * For a database trigger's function: the depth its writes record (`FeedChange.depth`), one more
   * than the event's it runs for.
   */
  readonly triggerDepth?: number
}

/**
 * Runs app functions. The route layer and the auth code only know this interface; behind it the
 * worker-thread runtime (`createFunctionRuntime`) isolates, times and limits every call.
 */
export interface FunctionRunner {
  /** Whether a function of that name exists (private ones included). */
  has(name: string): boolean
  /**
   * Runs a function and resolves with its return value (decoded, BSON types as bson's classes).
   * Rejects with a `ServiceError` whose message is safe to show a client: the function's own
   * error message, the time limit, the memory limit, the concurrency limit.
   */
  call(call: FunctionCall): Promise<unknown>
  /** Stops the workers; calls still running fail. */
  close(): Promise<void>
}
