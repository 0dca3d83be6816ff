import type { AppConfig, EndpointConfig, ProviderConfig } from './AppConfig'
import { AppFolderError } from './readJsonFile'

/** One secret the app needs, and who needs it. */
export interface SecretUse {
  /** The secret's name (App Services exports names, never values). */
  readonly secret: string
  /** Who needs it, for messages: `custom-token provider "jwt"`. */
  readonly usedBy: string
  /** What happens without it: the provider or endpoint is disabled, a value reads undefined. */
  readonly without: 'disabled' | 'undefined'
}

/** The app with what lacks a secret disabled, and what was missing. */
export interface SecretsOutcome {
  readonly app: AppConfig
  readonly missing: readonly SecretUse[]
}

/** The variable a secret is read from: `SECRET_<NAME>`, upper-cased, other characters as `_`. */
export const secretVariable = (name: string): string =>
  `SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`

const names = (value: unknown): string[] =>
  typeof value === 'string' && value !== ''
    ? [value]
    : Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string' && item !== '')
      : []

/** The secrets a provider's `secret_config` names (custom JWT keys, OAuth client secrets...). */
const providerSecrets = (provider: ProviderConfig): string[] =>
  Object.entries(provider.secretConfig).flatMap(([key, value]) =>
    // A custom-token provider reading its keys from a JWKS URL needs no signing-key secret.
    provider.type === 'custom-token' && key === 'signingKeys' && provider.config.useJWKURI === true
      ? []
      : names(value),
  )

const endpointLabel = (endpoint: EndpointConfig): string =>
  endpoint.kind === 'webhook'
    ? `webhook ${endpoint.route}`
    : `endpoint ${endpoint.httpMethod} ${endpoint.route}`

/** Every secret the app needs to run all it has enabled. */
export const secretUses = (app: AppConfig): SecretUse[] => {
  const uses: SecretUse[] = []
  for (const provider of Object.values(app.providers)) {
    if (provider.disabled) continue
    for (const secret of providerSecrets(provider)) {
      uses.push({
        secret,
        usedBy: `${provider.type} provider "${provider.name}"`,
        without: 'disabled',
      })
    }
  }
  for (const endpoint of app.endpoints) {
    if (endpoint.disabled || endpoint.secret === null) continue
    // A webhook's own secret is in its config; an empty one counts as missing (named '').
    if ('value' in endpoint.secret && endpoint.secret.value !== '') continue
    uses.push({
      secret: 'name' in endpoint.secret ? endpoint.secret.name : '',
      usedBy: endpointLabel(endpoint),
      without: 'disabled',
    })
  }
  for (const value of app.values.values()) {
    if (value.fromSecret) {
      uses.push({
        secret: String(value.value),
        usedBy: `value "${value.name}"`,
        without: 'undefined',
      })
    }
  }
  return uses
}

/** The missing secrets, each once with what needs it (and, when lenient, what that disables). */
const describe = (missing: readonly SecretUse[], mode: 'needs' | 'disables'): string =>
  [...new Set(missing.map((use) => use.secret))]
    .map((name) => {
      const uses = missing.filter((use) => use.secret === name)
      const what = uses
        .map((use) =>
          mode === 'needs'
            ? use.usedBy
            : `${use.usedBy} ${use.without === 'disabled' ? 'disabled' : 'reads as undefined'}`,
        )
        .join(', ')
      return name === ''
        ? `an empty options.secret (${what}; give it one, or a "secret_name")`
        : `${name} (${what})`
    })
    .join('; ')

/**
 * Checks that every secret the app needs has a value. Missing ones are named all together, in
 * one message: with `strict`, an `AppFolderError` stops the start; otherwise each provider or
 * endpoint that needs one is disabled and a value that needs one reads as undefined, with that
 * message as one warning, so an export starts before all its secrets are known.
 */
export const applySecrets = (
  app: AppConfig,
  secret: (name: string) => string | undefined,
  options: { readonly strict: boolean },
): SecretsOutcome => {
  const missing = secretUses(app).filter(
    (use) => use.secret === '' || (secret(use.secret) ?? '') === '',
  )
  if (missing.length === 0) return { app, missing }
  const secretNames = [...new Set(missing.map((use) => use.secret))]
  const variables = secretNames.filter((name) => name !== '').map(secretVariable)
  const how =
    variables.length > 0 ? ` Set ${variables.join(', ')} (or pass createServer({ secrets })).` : ''
  const count = `${secretNames.length} secret${secretNames.length === 1 ? '' : 's'} without a value`
  if (options.strict) {
    throw new AppFolderError(`${count}: ${describe(missing, 'needs')}.${how}`)
  }
  const lacking = new Set(
    missing.filter((use) => use.without === 'disabled').map((use) => use.usedBy),
  )
  const providers = Object.fromEntries(
    Object.entries(app.providers).map(([name, provider]) => [
      name,
      lacking.has(`${provider.type} provider "${provider.name}"`)
        ? { ...provider, disabled: true }
        : provider,
    ]),
  )
  const endpoints = app.endpoints.map((endpoint) =>
    lacking.has(endpointLabel(endpoint)) ? { ...endpoint, disabled: true } : endpoint,
  )
  const warning = `${count}: ${describe(missing, 'disables')}.${how} Start with --strict-secrets to refuse to start instead.`
  return { app: { ...app, providers, endpoints, warnings: [...app.warnings, warning] }, missing }
}
