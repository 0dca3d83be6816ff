import type { DataSource } from '../collection/CollectionRules'
import type { RuleExpression } from '../collection/ruleExpression'
import type { AppEnvironment } from './loadEnvironment'
import type { ValueDefinition } from './loadValues'

/** One entry of a provider's `metadata_fields`: a claim copied into the user's profile data. */
export interface MetadataField {
  /** The claim's path in the token, dots for nesting (`user.email`). */
  readonly name: string
  /** The key in `profile.data`. Default: the last segment of `name`. */
  readonly fieldName: string
  /** A token without the claim is refused. */
  readonly required: boolean
}

/** One auth provider from `auth/providers.json`. */
export interface ProviderConfig {
  readonly name: string
  readonly type: string
  readonly disabled: boolean
  readonly config: Readonly<Record<string, unknown>>
  /** `secret_config`: names of secrets (App Services does not export their values). */
  readonly secretConfig: Readonly<Record<string, unknown>>
  readonly metadataFields: readonly MetadataField[]
  /**
   * `redirect_uris` (OAuth providers): the only pages the redirect flow may send a user back to,
   * compared exactly, scheme and trailing slash included (docs/protocol.md §3.6).
   */
  readonly redirectUris: readonly string[]
  /** `domain_restrictions` (OAuth providers): the email domains allowed to log in; empty for any. */
  readonly domainRestrictions: readonly string[]
}

/** `auth/custom_user_data.json`: where each user's custom-data document lives (docs/protocol.md §8.2). */
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
  /** The source as the runtime compiles it: ES `import` lines made `require` calls, line for line. */
  readonly code: string
  /** The modules the source imports or `require`s by a literal name (for start-up warnings). */
  readonly modules: readonly string[]
  /** The file it came from, for error messages and stack frames. */
  readonly path: string
  readonly private: boolean
  readonly runAsSystem: boolean
  readonly disableArgLogs: boolean
  /** `can_evaluate`, compiled: checked before every call from a client. */
  readonly canEvaluate: RuleExpression
}

/**
 * The npm packages of an app's functions, as App Services' "add dependencies" left them: a
 * `functions/package.json` installed into `functions/node_modules`, and/or an uploaded archive of a
 * `node_modules` folder (`functions/node_modules.tar.gz`).
 */
export interface FunctionDependencies {
  /** `functions/package.json`'s `dependencies`, name → version range. */
  readonly declared: Readonly<Record<string, string>>
  /** `functions/node_modules`, if it exists. */
  readonly nodeModulesDir: string | null
  /** `functions/node_modules.tar.gz` (or `.tgz`, `.tar`), if there is one. */
  readonly archive: string | null
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
  /** The functions' npm packages; absent means none. */
  readonly functionDependencies?: FunctionDependencies
  readonly values: ReadonlyMap<string, ValueDefinition>
  /** MongoDB data sources (`data_sources/<name>/`) and their collection rules, by service name. */
  readonly dataSources: ReadonlyMap<string, DataSource>
  /** The environment chosen at start-up and its values (`environments/<tag>.json`). */
  readonly environment: AppEnvironment
  /** What the app folder holds that this server ignores, one line each, logged at start-up. */
  readonly warnings: readonly string[]
}
