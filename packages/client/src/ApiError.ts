export interface ApiErrorInit {
  readonly status: number
  readonly errorCode: string
  readonly message: string
  readonly link?: string | undefined
  readonly cause?: unknown
}

/**
 * The one error every client operation rejects with: a server's error answer (docs/protocol.md §9.1),
 * a network failure (`status` 0, `errorCode` `NetworkError`), or a problem the client caught
 * itself (`InvalidSession` for a logged-out user, `InvalidResponse` for a malformed answer).
 */
export class ApiError extends Error {
  /** The HTTP status, or 0 when no answer arrived. */
  declare readonly status: number
  /** The server's symbolic code (`InvalidSession`, `FunctionNotFound`, ...) or the client's own. */
  declare readonly errorCode: string
  /** A link to the server's log entry, when it sent one. */
  declare readonly link: string | undefined

  constructor({ status, errorCode, message, link, cause }: ApiErrorInit) {
    super(message, { cause })
    this.name = 'ApiError'
    this.status = status
    this.errorCode = errorCode
    this.link = link
  }
}

/** Whether a value is an `ApiError` (from any copy of this package). */
export const isApiError = (value: unknown): value is ApiError =>
  // Every ApiError names itself in its constructor, so the name alone recognises all of them.
  (value as Error | null)?.name === 'ApiError'

/** An `ApiError` with `status` 0 (no answer arrived) unless `init` says otherwise. */
export const apiError = (
  errorCode: string,
  message: string,
  init?: Partial<ApiErrorInit>,
): ApiError => new ApiError({ status: 0, errorCode, message, ...init })

/** The error for an answer the client cannot use: `what` names it (`login`, `refresh`, ...). */
export const invalidResponse = (what: string): ApiError =>
  apiError('InvalidResponse', `Malformed ${what} answer`)
