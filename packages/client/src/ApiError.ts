/**
 * The codes an `ApiError` carries: the App Services `error_code`s our server answers with
 * (docs/protocol.md §9.1), then the client's own for failures no server reported.
 */
export type KnownApiErrorCode =
  | 'BadRequest'
  | 'InvalidParameter'
  | 'MissingParameter'
  | 'MissingAuthReq'
  | 'InvalidSession'
  | 'AuthError'
  | 'InvalidPassword'
  | 'UserNotFound'
  | 'UserDisabled'
  | 'UserPendingConfirmation'
  | 'UserAlreadyConfirmed'
  | 'AccountNameInUse'
  | 'UserpassTokenInvalid'
  | 'APIKeyNotFound'
  | 'APIKeyAlreadyExists'
  | 'Forbidden'
  | 'AppNotFound'
  | 'AuthProviderNotFound'
  | 'FunctionNotFound'
  | 'FunctionExecutionError'
  | 'ExecutionTimeLimitExceeded'
  | 'NoMatchingRuleFound'
  | 'MongoDBError'
  | 'ServiceNotFound'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'PayloadTooLarge'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'InternalServerError'
  // The client's own: no answer arrived, an answer it cannot use, custom data the server left out
  // of the token for its size (§17.4), an error answer without a code; a sign-in popup the
  // browser blocked or the user closed (@react-custom-data/client/redirect).
  | 'NetworkError'
  | 'InvalidResponse'
  | 'CustomDataOmitted'
  | 'HttpError'
  | 'PopupBlocked'
  | 'WindowClosed'

/**
 * `KnownApiErrorCode`, left open: another App Services-compatible server, or a newer one, may
 * send a code this list lacks. Editors still complete the known ones.
 */
export type ApiErrorCode = KnownApiErrorCode | (string & {})

export interface ApiErrorInit {
  readonly status: number
  readonly errorCode: ApiErrorCode
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
  /**
   * The server's symbolic code (`AccountNameInUse`, `InvalidPassword`, ...) or the client's own
   * (`NetworkError`, ...): switch on it to tell people what happened in their words. `message` is
   * the server's wire text, kept as App Services wrote it (`name already in use`).
   */
  declare readonly errorCode: ApiErrorCode
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
  errorCode: ApiErrorCode,
  message: string,
  init?: Partial<ApiErrorInit>,
): ApiError => new ApiError({ status: 0, errorCode, message, ...init })

/** The error for an answer the client cannot use: `what` names it (`login`, `refresh`, ...). */
export const invalidResponse = (what: string): ApiError =>
  apiError('InvalidResponse', `Malformed ${what} answer`)
