export { App } from './App'
export { User } from './User'
export { Credentials } from './Credentials'
export { ApiKeyAuth } from './ApiKeyAuth'
export { ApiError, isApiError } from './ApiError'
export { ObjectId } from './ObjectId'
export { Decimal128 } from './Decimal128'
export { Binary } from './Binary'
export { Timestamp } from './Timestamp'
export { BSONRegExp } from './BSONRegExp'
export { serialize as serializeEjson, deserialize as deserializeEjson } from './ejson'
export { createMemoryStorage, createDefaultStorage } from './storage'
export { decodeJwtPayload } from './decodeJwtPayload'

export type { AppConfiguration, RedirectFlow, RedirectFlowInput } from './App'
export type { CustomData, FunctionsProxy, UserState } from './User'
export type { Fetch } from './createTransport'
export type { ProviderType, RedirectPayload } from './Credentials'
export type { ApiKey, NewApiKey } from './ApiKeyAuth'
export type { EmailPasswordAuth } from './EmailPasswordAuth'
export type { ApiErrorCode, ApiErrorInit, KnownApiErrorCode } from './ApiError'
export type {
  SessionState,
  SessionStore,
  UserIdentity,
  UserProfile,
  UserProfileData,
  UserRecord,
} from './sessionStore'
export type { SessionStorage } from './storage'
export type { AccessTokenPayload } from './decodeJwtPayload'
