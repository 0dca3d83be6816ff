/**
 * Why a function call failed, in terms a caller can act on. `message` is safe to show the
 * client: it is the function's own error message, or a sentence of ours; never a host stack.
 */
export type FunctionErrorCode =
  /** No function of that name. */
  | 'FunctionNotFound'
  /** The function threw, returned something that cannot be sent, or used too much memory. */
  | 'FunctionExecutionError'
  /** The call ran past the time limit and its worker was stopped. */
  | 'ExecutionTimeLimitExceeded'
  /** Too many calls at once, for this user or in all: try again later. */
  | 'TooManyRequests'
  /** The runtime itself failed (a worker crashed, the server is stopping); logged in full. */
  | 'InternalError'

export class FunctionError extends Error {
  readonly code: FunctionErrorCode

  constructor(code: FunctionErrorCode, message: string) {
    super(message)
    this.name = 'FunctionError'
    this.code = code
  }
}

export const isFunctionError = (value: unknown): value is FunctionError =>
  value instanceof FunctionError
