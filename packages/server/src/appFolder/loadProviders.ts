import { join } from 'node:path'
import type { MetadataField, ProviderConfig } from './AppConfig'
import { expandEnvironment, type AppEnvironment } from './loadEnvironment'
import { expectObject, isObject, optionalString } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'
import { OAUTH_PROVIDER_TYPES, oauthProviderFields } from './oauthProviderFields'

/** Provider types this server implements; any other type is refused at start-up. */
export const SUPPORTED_PROVIDER_TYPES: ReadonlySet<string> = new Set([
  'anon-user',
  'local-userpass',
  'api-key',
  'custom-token',
  'custom-function',
  ...OAUTH_PROVIDER_TYPES,
])

const metadataFields = (value: unknown, where: string): MetadataField[] => {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value))
    throw new AppFolderError(`${where}: "metadata_fields" must be an array.`)
  return value.map((item) => {
    const entry = expectObject(item, `${where} (metadata_fields)`)
    const name = optionalString(entry, 'name', where)
    if (!name) throw new AppFolderError(`${where}: every metadata field needs a "name".`)
    return {
      name,
      fieldName: optionalString(entry, 'field_name', where) ?? name.split('.').pop() ?? name,
      required: entry.required === true,
    }
  })
}

/**
 * Reads `auth/providers.json`: the auth providers by name, with their `config`, `secret_config`
 * and `metadata_fields` as App Services exports them, and the OAuth providers' `redirect_uris` and
 * `domain_restrictions`. A provider type we do not implement is kept disabled, with a warning.
 */
export const loadProviders = async (
  dir: string,
  options: { warnings: string[]; environment: AppEnvironment },
): Promise<Record<string, ProviderConfig>> => {
  const { warnings, environment } = options
  const path = join(dir, 'auth', 'providers.json')
  const raw = expandEnvironment(await readJsonFile(path), environment, path)
  // An app folder without auth/providers.json still lets users in anonymously, as a new
  // App Services app did.
  if (raw === undefined) {
    return {
      'anon-user': {
        name: 'anon-user',
        type: 'anon-user',
        disabled: false,
        config: {},
        secretConfig: {},
        metadataFields: [],
        redirectUris: [],
        domainRestrictions: [],
      },
    }
  }
  const providers: Record<string, ProviderConfig> = {}
  const byType = new Map<string, string>()
  for (const [name, value] of Object.entries(expectObject(raw, path))) {
    const where = `${path} ("${name}")`
    const entry = expectObject(value, where)
    const provider: ProviderConfig = {
      name: optionalString(entry, 'name', path) ?? name,
      type: optionalString(entry, 'type', path) ?? name,
      disabled: entry.disabled === true,
      config: isObject(entry.config) ? entry.config : {},
      secretConfig: isObject(entry.secret_config) ? entry.secret_config : {},
      metadataFields: metadataFields(entry.metadata_fields, where),
      ...oauthProviderFields(entry, where),
    }
    if (!provider.disabled && !SUPPORTED_PROVIDER_TYPES.has(provider.type)) {
      warnings.push(
        `${where}: provider type "${provider.type}" is not supported; its logins answer like a disabled provider's`,
      )
      providers[provider.name] = { ...provider, disabled: true }
      continue
    }
    // Identities are keyed by provider type and external id: two custom-token providers trusting
    // different issuers would make one issuer's "sub" log in as the other's user. App Services
    // allows one provider of each type too. oauth2-oidc identities are keyed by issuer as well, so
    // an app may enable several of them.
    const twin =
      provider.disabled || provider.type === 'oauth2-oidc' ? undefined : byType.get(provider.type)
    if (twin !== undefined) {
      throw new AppFolderError(
        `${path}: "${twin}" and "${provider.name}" are both enabled providers of type "${provider.type}"; enable one provider per type.`,
      )
    }
    if (!provider.disabled) byType.set(provider.type, provider.name)
    providers[provider.name] = provider
  }
  return providers
}
