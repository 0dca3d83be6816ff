import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ErrorCode } from '../errors/ServiceError'

/** The HTTP status of each error code, as App Services answered it (docs/protocol.md §9.1). */
const STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.InvalidParameter]: 400,
  [ErrorCode.MissingParameter]: 400,
  [ErrorCode.MissingAuthReq]: 401,
  [ErrorCode.InvalidSession]: 401,
  [ErrorCode.AuthError]: 401,
  [ErrorCode.InvalidPassword]: 401,
  [ErrorCode.UserNotFound]: 404,
  [ErrorCode.UserDisabled]: 401,
  [ErrorCode.UserNotConfirmed]: 401,
  [ErrorCode.UserAlreadyConfirmed]: 400,
  [ErrorCode.AccountNameInUse]: 409,
  [ErrorCode.UserpassTokenInvalid]: 400,
  [ErrorCode.APIKeyNotFound]: 404,
  [ErrorCode.APIKeyAlreadyExists]: 409,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.AppNotFound]: 404,
  [ErrorCode.ProviderNotFound]: 400,
  [ErrorCode.FunctionNotFound]: 404,
  [ErrorCode.FunctionExecutionError]: 400,
  [ErrorCode.ExecutionTimeLimitExceeded]: 504,
  [ErrorCode.NoMatchingRuleFound]: 403,
  [ErrorCode.MongoDBError]: 400,
  [ErrorCode.ServiceNotFound]: 404,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.InternalServerError]: 500,
}

/** The status an error code is answered with at the route boundary. */
export const statusOf = (code: ErrorCode): ContentfulStatusCode => STATUS[code]
