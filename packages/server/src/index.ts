export { createServer } from './createServer'
export { startServer } from './startServer'
export { checkAppFolder, loadAppFolder } from './appFolder/loadAppFolder'
export { AppFolderError } from './appFolder/readJsonFile'
export { openStore } from './store/openStore'
export { migrate } from './store/migrate'
export { createLogger } from './createLogger'
export { systemClock } from './Clock'
export { ErrorCode, ServiceError, isServiceError } from './errors/ServiceError'
export { runCli } from './cli'
export { createServerApiKey } from './auth/apiKeys'

export type { CreateServerOptions, CustomDataServer } from './createServer'
export type { StartServerOptions, RunningServer } from './startServer'
export type {
  AppConfig,
  CustomUserDataConfig,
  EndpointAuthentication,
  EndpointConfig,
  EndpointValidation,
  FunctionDefinition,
  IgnoredFeature,
  ProviderConfig,
} from './appFolder/AppConfig'
export type { AppFolderCheck, LoadAppFolderOptions } from './appFolder/loadAppFolder'
export type { Store, Queryable, NotificationListener } from './store/Store'
export type { ChangeFeed, FeedCursors } from './feed/createChangeFeed'
export type { ChangeEvent, OperationType, ResumeToken, UpdateDescription } from './feed/ChangeEvent'
export type { FeedPosition } from './feed/FeedPosition'
export type { OpenStoreOptions, StoreOptions } from './store/openStore'
export type { PgliteDurability } from './store/createPgliteStore'
export type { Clock } from './Clock'
export type { ServerContext, ServerSettings } from './ServerContext'
export type { FunctionRunner, FunctionCall, FunctionUser } from './functions/FunctionRunner'
