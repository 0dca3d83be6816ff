/** What an App Services-style server answers on failure (PROTOCOL.md §9.1). */
interface ErrorBody {
  error?: unknown
  error_code?: unknown
  link?: unknown
}

export interface ApiErrorInit {
  readonly status: number
  readonly errorCode: string
  readonly message: string
  readonly link?: string | undefined
  readonly cause?: unknown
}

/**
 * The one error every client operation rejects with: a server's error answer, a network failure
 * (`status` 0, `errorCode` `NetworkError`), or a misuse the client caught itself.
 */
export class ApiError extends Error {
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number
  /** The server's symbolic code (`InvalidSession`, `FunctionNotFound`, ...) or the client's own. */
  readonly errorCode: string
  /** A link to the server's log entry, when it sent one. */
  readonly link: string | undefined

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'ApiError'
    this.status = init.status
    this.errorCode = init.errorCode
    this.link = init.link
  }

  /** Builds the error for a non-2xx answer from its status and (if JSON) its body. */
  static fromResponse(status: number, body: unknown, fallback: string): ApiError {
    const {
      error,
      error_code: code,
      link,
    } = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody
    return new ApiError({
      status,
      errorCode: typeof code === 'string' ? code : 'HttpError',
      message: typeof error === 'string' ? error : fallback,
      link: typeof link === 'string' ? link : undefined,
    })
  }
}

/** Whether a value is an `ApiError` (from any copy of this package). */
export const isApiError = (value: unknown): value is ApiError =>
  value instanceof ApiError ||
  (value instanceof Error && value.name === 'ApiError' && 'errorCode' in value && 'status' in value)
