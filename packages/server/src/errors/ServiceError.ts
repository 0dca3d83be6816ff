/**
 * The error codes this server answers with, in App Services' spelling (docs/protocol.md §9.1), so
 * clients can switch on `error_code`.
 */
export const ErrorCode = {
  BadRequest: 'BadRequest',
  InvalidParameter: 'InvalidParameter',
  MissingParameter: 'MissingParameter',
  MissingAuthReq: 'MissingAuthReq',
  InvalidSession: 'InvalidSession',
  AuthError: 'AuthError',
  InvalidPassword: 'InvalidPassword',
  UserNotFound: 'UserNotFound',
  UserDisabled: 'UserDisabled',
  UserNotConfirmed: 'UserPendingConfirmation',
  UserAlreadyConfirmed: 'UserAlreadyConfirmed',
  AccountNameInUse: 'AccountNameInUse',
  UserpassTokenInvalid: 'UserpassTokenInvalid',
  APIKeyNotFound: 'APIKeyNotFound',
  APIKeyAlreadyExists: 'APIKeyAlreadyExists',
  Forbidden: 'Forbidden',
  AppNotFound: 'AppNotFound',
  ProviderNotFound: 'AuthProviderNotFound',
  FunctionNotFound: 'FunctionNotFound',
  FunctionExecutionError: 'FunctionExecutionError',
  ExecutionTimeLimitExceeded: 'ExecutionTimeLimitExceeded',
  /** No collection rule lets the caller do this (App Services' spelling). */
  NoMatchingRuleFound: 'NoMatchingRuleFound',
  /** A collection operation MongoDB would refuse (bad operator, duplicate key...). */
  MongoDBError: 'MongoDBError',
  ServiceNotFound: 'ServiceNotFound',
  NotFound: 'NotFound',
  MethodNotAllowed: 'MethodNotAllowed',
  UnsupportedMediaType: 'UnsupportedMediaType',
  PayloadTooLarge: 'PayloadTooLarge',
  TooManyRequests: 'TooManyRequests',
  ServiceUnavailable: 'ServiceUnavailable',
  InternalServerError: 'InternalServerError',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/**
 * The server's one error type, thrown by every layer (auth, collections, functions, routes): an
 * App Services error code and a message written for the caller, never internals. It knows nothing
 * of HTTP: the error handler at the route boundary (`http/handleError.ts`) picks the status from
 * the code and answers App Services' body `{ error, error_code }`; anything else thrown becomes a
 * 500 that names no internals.
 */
export class ServiceError extends Error {
  readonly code: ErrorCode
  /** Seconds to send in `Retry-After` (429 and 503 answers). */
  retryAfterSeconds: number | undefined
  /** Extra fields of the error body, e.g. `{ reason: 'length' }`. */
  details: Readonly<Record<string, unknown>> | undefined
  /** The HTTP status when it must differ from the code's own (`http/statusOf.ts`). */
  status: number | undefined

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'ServiceError'
    this.code = code
  }

  /** Adds a `Retry-After` header to the answer. */
  withRetryAfter(seconds: number): this {
    this.retryAfterSeconds = Math.max(1, Math.ceil(seconds))
    return this
  }

  /**
   * Answers with another HTTP status than the code's. Only for an App Services code whose usual
   * status would make clients misbehave: 401 `InvalidSession` sends realm-web into an endless
   * refresh-and-retry loop (docs/protocol.md §9.2) when it is not about the token.
   */
  withStatus(status: number): this {
    this.status = status
    return this
  }

  /** Adds fields to the error body next to `error` and `error_code`. */
  withDetails(details: Readonly<Record<string, unknown>>): this {
    this.details = details
    return this
  }
}

export const isServiceError = (value: unknown): value is ServiceError =>
  value instanceof ServiceError
