import type { ValueDefinition } from './loadValues'

/** One auth provider from `auth/providers.json`. */
export interface ProviderConfig {
  readonly name: string
  readonly type: string
  readonly disabled: boolean
  readonly config: Readonly<Record<string, unknown>>
}

/** `auth/custom_user_data.json`: where each user's custom-data document lives (PROTOCOL.md §8.2). */
export interface CustomUserDataConfig {
  readonly enabled: boolean
  readonly serviceName: string
  readonly databaseName: string
  readonly collectionName: string
  readonly userIdField: string
  readonly onUserCreationFunctionName: string | null
}

/** One function: its source and its entry in `functions/config.json`. */
export interface FunctionDefinition {
  readonly name: string
  readonly source: string
  /** The file it came from, for error messages and stack frames. */
  readonly path: string
  readonly private: boolean
  readonly runAsSystem: boolean
  readonly disableArgLogs: boolean
  readonly canEvaluate: Readonly<Record<string, unknown>>
}

/** An App Services app folder, loaded and validated. */
export interface AppConfig {
  readonly dir: string
  /** The client App ID that URLs carry: `/api/client/v2.0/app/{appId}/...`. */
  readonly appId: string
  readonly name: string
  readonly allowedRequestOrigins: readonly string[]
  readonly providers: Readonly<Record<string, ProviderConfig>>
  readonly customUserData: CustomUserDataConfig | null
  readonly functions: ReadonlyMap<string, FunctionDefinition>
  readonly values: ReadonlyMap<string, ValueDefinition>
}
