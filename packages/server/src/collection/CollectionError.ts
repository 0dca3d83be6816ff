/**
 * What a collection operation reports to the function or client that asked for it. Its message is
 * written for that caller (it never carries SQL or a driver's words); anything else a collection
 * call throws is an internal failure, logged and answered generically.
 */
export type CollectionErrorCode =
  /** The operation is malformed or MongoDB would refuse it (bad operator, wrong type...). */
  | 'MongoDBError'
  /** No rule lets this user do this to this collection (App Services' spelling). */
  | 'NoMatchingRuleFound'
  /** An argument has the wrong shape (realm-web service calls, function arguments). */
  | 'InvalidParameter'

export class CollectionError extends Error {
  readonly code: CollectionErrorCode

  constructor(code: CollectionErrorCode, message: string) {
    super(message)
    this.name = 'CollectionError'
    this.code = code
  }
}

export const isCollectionError = (value: unknown): value is CollectionError =>
  value instanceof CollectionError

/** A MongoDB-style refusal: the message says what is wrong, as the MongoDB server would. */
export const mongoError = (message: string): CollectionError =>
  new CollectionError('MongoDBError', message)

/** A malformed argument: the wrong shape for the action it was given to. */
export const invalidParameter = (message: string): CollectionError =>
  new CollectionError('InvalidParameter', message)
