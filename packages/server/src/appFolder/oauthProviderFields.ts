import { AppFolderError } from './readJsonFile'
import type { JsonObject } from './jsonFields'

/**
 * The OAuth 2.0 provider types: App Services' three, and `oauth2-oidc`, this server's generic
 * OpenID Connect / OAuth 2.0 provider (Microsoft, GitHub, Auth0, Keycloak...), of which an app may
 * enable several (its identities are keyed by issuer and subject).
 */
export const OAUTH_PROVIDER_TYPES: ReadonlySet<string> = new Set([
  'oauth2-google',
  'oauth2-apple',
  'oauth2-facebook',
  'oauth2-oidc',
])

const stringList = (entry: JsonObject, key: string, where: string): string[] => {
  const value = entry[key]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new AppFolderError(`${where}: "${key}" must be an array of strings.`)
  }
  return value
}

/**
 * The provider-level fields App Services exports beside `config` for OAuth providers:
 * `redirect_uris` (each an absolute http(s) URL) and `domain_restrictions` (lower-cased).
 */
export const oauthProviderFields = (
  entry: JsonObject,
  where: string,
): { redirectUris: string[]; domainRestrictions: string[] } => {
  const redirectUris = stringList(entry, 'redirect_uris', where)
  for (const uri of redirectUris) {
    if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
      throw new AppFolderError(
        `${where}: every entry of "redirect_uris" must be an absolute http(s) URL (got ${JSON.stringify(uri)}).`,
      )
    }
  }
  return {
    redirectUris,
    domainRestrictions: stringList(entry, 'domain_restrictions', where).map((domain) =>
      domain.trim().toLowerCase().replace(/^@/, ''),
    ),
  }
}
