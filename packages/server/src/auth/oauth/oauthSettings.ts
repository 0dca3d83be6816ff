import type { ProviderConfig } from '../../appFolder/AppConfig'
import { AppFolderError } from '../../appFolder/readJsonFile'

/** Which of the OAuth provider families a provider belongs to. */
export type OAuthKind = 'google' | 'apple' | 'facebook' | 'oidc'

/** Where a provider's endpoints are; any of them may be unknown until discovery. */
export interface OAuthEndpoints {
  readonly authorizationUrl?: string | undefined
  readonly tokenUrl?: string | undefined
  /** The provider's public keys, to verify its ID tokens. */
  readonly jwkURI?: string | undefined
  /** OpenID Connect userinfo, or any profile URL answering JSON (GitHub's `/user`). */
  readonly userInfoUrl?: string | undefined
  /** Facebook's Graph API root (`/me`, `/debug_token`). */
  readonly graphUrl?: string | undefined
}

/** One OAuth provider's configuration, validated at start-up, with production defaults applied. */
export interface OAuthSettings extends OAuthEndpoints {
  readonly provider: ProviderConfig
  readonly kind: OAuthKind
  readonly clientId: string
  /** The client secret's value; undefined when `secret_config.clientSecret` names none. */
  readonly clientSecret: string | undefined
  /**
   * The `iss` its ID tokens must carry (the first is also the discovery base of `oauth2-oidc`, and
   * the namespace of its identities).
   */
  readonly issuers: readonly string[]
  /** Ask the provider for the endpoints (`{issuer}/.well-known/openid-configuration`). */
  readonly discover: boolean
  readonly scopes: readonly string[]
  /** The claim holding the user's id at the provider: `sub`, or `id` for GitHub-like APIs. */
  readonly subjectClaim: string
  /** How the client authenticates at the token endpoint. */
  readonly tokenAuth: 'client_secret_post' | 'client_secret_basic'
  /** The `redirect_uri` of codes the app's own front end obtained (Google's `authCode`). */
  readonly authCodeRedirectUri: string
}

const PRODUCTION: Record<Exclude<OAuthKind, 'oidc'>, OAuthEndpoints & { issuers: string[] }> = {
  google: {
    issuers: ['https://accounts.google.com', 'accounts.google.com'],
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    jwkURI: 'https://www.googleapis.com/oauth2/v3/certs',
  },
  apple: {
    issuers: ['https://appleid.apple.com'],
    authorizationUrl: 'https://appleid.apple.com/auth/authorize',
    tokenUrl: 'https://appleid.apple.com/auth/token',
    jwkURI: 'https://appleid.apple.com/auth/keys',
  },
  facebook: {
    issuers: ['https://www.facebook.com'],
    authorizationUrl: 'https://www.facebook.com/v21.0/dialog/oauth',
    tokenUrl: 'https://graph.facebook.com/v21.0/oauth/access_token',
    graphUrl: 'https://graph.facebook.com/v21.0',
  },
}

const KINDS: Readonly<Record<string, OAuthKind>> = {
  'oauth2-google': 'google',
  'oauth2-apple': 'apple',
  'oauth2-facebook': 'facebook',
  'oauth2-oidc': 'oidc',
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** An https URL (http only for this machine, as tests and local providers use). */
const endpoint = (value: unknown, key: string, where: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined
  if (
    !url ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
  ) {
    throw new AppFolderError(
      `${where}: "config.${key}" must be an https URL (http only for localhost), got ${JSON.stringify(value)}.`,
    )
  }
  // As written: an issuer is compared exactly (Auth0's ends with a slash, most do not).
  return value as string
}

// App Services' metadata fields that need the "profile" scope (Google) or a permission (Facebook).
const PROFILE_FIELDS = ['name', 'first_name', 'last_name', 'picture']
const FACEBOOK_PERMISSIONS: Readonly<Record<string, string>> = {
  email: 'email',
  gender: 'user_gender',
  birthday: 'user_birthday',
  min_age: 'user_age_range',
  max_age: 'user_age_range',
}

const defaultScopes = (kind: OAuthKind, fields: readonly string[]): string[] => {
  const wants = (names: readonly string[]) => fields.some((field) => names.includes(field))
  switch (kind) {
    case 'google':
      return [
        'openid',
        ...(wants(['email']) ? ['email'] : []),
        ...(wants(PROFILE_FIELDS) ? ['profile'] : []),
      ]
    case 'apple':
      return [...(wants(PROFILE_FIELDS) ? ['name'] : []), ...(wants(['email']) ? ['email'] : [])]
    case 'facebook':
      return [
        ...new Set([
          'public_profile',
          ...fields.flatMap((field) => FACEBOOK_PERMISSIONS[field] ?? []),
        ]),
      ]
    case 'oidc':
      return ['openid', 'email', 'profile']
  }
}

/**
 * Reads an OAuth provider's `config` (App Services' `clientId`, `secret_config.clientSecret`,
 * and this server's endpoint settings) into its settings, or fails start-up with what is wrong.
 * Google, Apple and Facebook default to their production endpoints; each endpoint can be pointed
 * elsewhere (a test provider, a proxy). `oauth2-oidc` needs an `issuer`, and discovers its
 * endpoints unless `authorizationUrl` and `tokenUrl` are given.
 */
export const oauthSettings = (
  provider: ProviderConfig,
  secret: (name: string) => string | undefined,
): OAuthSettings => {
  const where = `auth/providers.json ("${provider.name}")`
  const kind = KINDS[provider.type]
  if (!kind) throw new AppFolderError(`${where}: "${provider.type}" is not an OAuth provider type.`)
  const config = provider.config
  const clientId = config.clientId
  if (typeof clientId !== 'string' || clientId === '') {
    throw new AppFolderError(
      `${where}: "config.clientId" must be the client id the provider issued.`,
    )
  }
  const secretName = provider.secretConfig.clientSecret
  if (secretName !== undefined && (typeof secretName !== 'string' || secretName === '')) {
    throw new AppFolderError(`${where}: "secret_config.clientSecret" must name a secret.`)
  }
  const clientSecret = typeof secretName === 'string' ? secret(secretName) : undefined
  if (secretName && clientSecret === undefined) {
    throw new AppFolderError(
      `${where}: the secret "${secretName}" has no value; set SECRET_${secretName.toUpperCase().replace(/[^A-Z0-9]/g, '_')} or pass it in createServer({ secrets }).`,
    )
  }
  const needsSecret = kind === 'facebook' || provider.redirectUris.length > 0
  if (needsSecret && clientSecret === undefined) {
    throw new AppFolderError(
      `${where}: ${kind === 'facebook' ? 'Facebook logins need' : 'the redirect flow (redirect_uris) needs'} the client secret: name its secret in "secret_config.clientSecret".`,
    )
  }
  const read = (key: keyof OAuthEndpoints) => endpoint(config[key], key, where)
  const defaults = kind === 'oidc' ? undefined : PRODUCTION[kind]
  if (kind === 'facebook' && config.issuer !== undefined) {
    throw new AppFolderError(
      `${where}: Facebook has no issuer; point "graphUrl", "authorizationUrl" and "tokenUrl" elsewhere instead.`,
    )
  }
  const issuer = endpoint(config.issuer, 'issuer', where)
  if (kind === 'oidc' && !issuer) {
    throw new AppFolderError(
      `${where}: "config.issuer" is required: the issuer's URL (its endpoints are discovered from it unless "authorizationUrl" and "tokenUrl" are given).`,
    )
  }
  const explicit = {
    authorizationUrl: read('authorizationUrl'),
    tokenUrl: read('tokenUrl'),
    jwkURI: read('jwkURI'),
    userInfoUrl: read('userInfoUrl'),
    graphUrl: read('graphUrl'),
  }
  const scopes = config.scopes
  if (
    scopes !== undefined &&
    (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
  ) {
    throw new AppFolderError(`${where}: "config.scopes" must be an array of strings.`)
  }
  const tokenAuth = config.tokenEndpointAuthMethod ?? 'client_secret_post'
  if (tokenAuth !== 'client_secret_post' && tokenAuth !== 'client_secret_basic') {
    throw new AppFolderError(
      `${where}: "config.tokenEndpointAuthMethod" must be client_secret_post or client_secret_basic.`,
    )
  }
  const subjectClaim = config.subjectClaim ?? 'sub'
  if (typeof subjectClaim !== 'string' || subjectClaim === '') {
    throw new AppFolderError(`${where}: "config.subjectClaim" must be a claim name.`)
  }
  const scopeList =
    scopes ??
    defaultScopes(
      kind,
      provider.metadataFields.map((field) => field.name),
    )
  // An issuer of its own (a test provider playing Google, a Keycloak realm) replaces the
  // production endpoints: what is not given explicitly is discovered from it.
  const fallback = issuer ? undefined : defaults
  const endpoints = {
    authorizationUrl: explicit.authorizationUrl ?? fallback?.authorizationUrl,
    tokenUrl: explicit.tokenUrl ?? fallback?.tokenUrl,
    jwkURI: explicit.jwkURI ?? fallback?.jwkURI,
    userInfoUrl: explicit.userInfoUrl ?? fallback?.userInfoUrl,
    graphUrl: explicit.graphUrl ?? fallback?.graphUrl,
  }
  const discover =
    kind !== 'facebook' &&
    issuer !== undefined &&
    (!endpoints.authorizationUrl ||
      !endpoints.tokenUrl ||
      (!endpoints.jwkURI && (kind !== 'oidc' || scopeList.includes('openid'))))
  return {
    provider,
    kind,
    clientId,
    clientSecret,
    issuers: issuer ? [issuer] : (defaults?.issuers ?? []),
    discover,
    ...endpoints,
    scopes: scopeList,
    subjectClaim,
    tokenAuth,
    authCodeRedirectUri:
      typeof config.authCodeRedirectUri === 'string' ? config.authCodeRedirectUri : 'postmessage',
  }
}
