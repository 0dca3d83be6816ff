import type { DataSource } from '../collection/CollectionRules'
import type { RuleExpression } from '../collection/ruleExpression'
import type { AppEnvironment } from './loadEnvironment'
import type { TriggerConfig } from './TriggerConfig'
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
  /** `run_as_user_id`: the user every call runs as (ignored when `runAsSystem`). */
  readonly runAsUserId?: string | null
  /**
   * `run_as_user_id_script_source`: source of a function that names the user each call runs as
   * (a user id, or `{ runAsSystem: true }`); ignored when `runAsSystem`.
   */
  readonly runAsUserIdScriptSource?: string | null
}

/**
 * Who an HTTPS endpoint or webhook runs as (App Services' endpoint "authentication"):
 * `application` takes the caller's credentials, `system` needs none, `user` always runs as one
 * user, `script` asks a function (named here) which user to run as.
 */
export type EndpointAuthentication =
  | { readonly kind: 'application' }
  | { readonly kind: 'system' }
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'script'; readonly functionName: string }

/** How an endpoint checks that a request comes from who holds its secret. */
export type EndpointValidation = 'NO_VALIDATION' | 'SECRET_AS_QUERY_PARAM' | 'VERIFY_PAYLOAD'

/**
 * One HTTPS endpoint (`https_endpoints/config.json`, or `http_endpoints/config.json` in older
 * exports) or legacy incoming webhook (`http_endpoints/<service>/incoming_webhooks/<name>/`).
 */
export interface EndpointConfig {
  readonly kind: 'endpoint' | 'webhook'
  /** Endpoints: the route (`/orders/latest`); webhooks: `<service>/<webhook name>`. */
  readonly route: string
  /** `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, or `*` for any. */
  readonly httpMethod: string
  /** The function that handles requests; for webhooks, the one made from `source.js`. */
  readonly functionName: string
  /** Answer with the function's return value (when the function did not set a body itself). */
  readonly respondResult: boolean
  /** The answer's format when the request's `Accept` does not choose one. */
  readonly returnType: 'JSON' | 'EJSON'
  /** Put the user's custom data in `context.user.custom_data`. */
  readonly fetchCustomUserData: boolean
  /** Create the user of valid custom-JWT credentials on first sight. */
  readonly createUserOnAuth: boolean
  readonly disabled: boolean
  readonly validation: EndpointValidation
  /** The secret `validation` checks against: a secret's name, or (webhooks) the value itself. */
  readonly secret: { readonly name: string } | { readonly value: string } | null
  readonly authentication: EndpointAuthentication
  /** The endpoint function's (or the webhook's own) `can_evaluate`, checked for every request. */
  readonly canEvaluate: RuleExpression
  /** The file it came from, for messages. */
  readonly where: string
}

/** A part of the app folder this server does not run: one line of the start-up summary. */
export interface IgnoredFeature {
  /** What it is: "Device Sync", "triggers". */
  readonly feature: string
  /** Where it is, relative to the app folder: `sync/config.json`, `triggers/`. */
  readonly where: string
  /** How many there are (triggers, services...): 1 for a single feature. */
  readonly count: number
  /** What ignoring it means for the app. */
  readonly note: string
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
  /** Other client App IDs the server answers to (the folder's own one when `--app-id` set another). */
  readonly appIdAliases: readonly string[]
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
  /** HTTPS endpoints and incoming webhooks. */
  readonly endpoints: readonly EndpointConfig[]
  /** `triggers/*.json`: database, authentication and scheduled triggers (disabled ones too). */
  readonly triggers: readonly TriggerConfig[]
  /** What the app folder holds that this server does not run, summed up at start-up. */
  readonly ignored: readonly IgnoredFeature[]
  /**
   * Things to know about the folder, one line each; lines alike for many files are folded into
   * one with a count when logged (`foldWarnings`).
   */
  readonly warnings: readonly string[]
}
