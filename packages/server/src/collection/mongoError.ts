import { ErrorCode, ServiceError } from '../errors/ServiceError'

/**
 * A MongoDB-style refusal (a bad operator, a wrong type, a duplicate key): the message says what
 * is wrong, as the MongoDB server would, and never carries SQL or a driver's words.
 */
export const mongoError = (message: string): ServiceError =>
  new ServiceError(ErrorCode.MongoDBError, message)

/** A malformed argument: the wrong shape for the action it was given to. */
export const invalidParameter = (message: string): ServiceError =>
  new ServiceError(ErrorCode.InvalidParameter, message)
