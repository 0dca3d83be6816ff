import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The error codes this server answers with, in App Services' spelling (PROTOCOL.md §9.1), so
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
  AppNotFound: 'AppNotFound',
  ProviderNotFound: 'AuthProviderNotFound',
  FunctionNotFound: 'FunctionNotFound',
  FunctionExecutionError: 'FunctionExecutionError',
  ServiceNotFound: 'ServiceNotFound',
  NotFound: 'NotFound',
  MethodNotAllowed: 'MethodNotAllowed',
  UnsupportedMediaType: 'UnsupportedMediaType',
  PayloadTooLarge: 'PayloadTooLarge',
  InternalServerError: 'InternalServerError',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/**
 * The one error type route handlers throw. `createServer`'s error handler turns it into the
 * App Services error body `{ error, error_code }` with its status; anything else becomes a 500
 * whose body names no internals.
 */
export class ServiceError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: ErrorCode

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string) {
    super(message)
    this.name = 'ServiceError'
    this.status = status
    this.code = code
  }
}

export const isServiceError = (value: unknown): value is ServiceError =>
  value instanceof ServiceError
