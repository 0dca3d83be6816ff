import { fetchJson } from './fetchJson'
import { OAuthError } from './OAuthError'
import type { OAuthEndpoints, OAuthSettings } from './oauthSettings'

// A provider's discovery document changes rarely; a day's cache keeps logins off its path.
const CACHE_MS = 24 * 60 * 60 * 1000

const urlOf = (value: unknown): string | undefined =>
  typeof value === 'string' && URL.canParse(value) ? value : undefined

/**
 * The provider's endpoints: those its settings give, and the missing ones from OpenID Connect
 * discovery (`{issuer}/.well-known/openid-configuration`), asked at the first login rather than at
 * start-up (a provider that is down must not stop the server) and cached for a day. A failed
 * discovery is not cached: the next login asks again. The document must name the configured
 * issuer, as OpenID Connect Discovery requires.
 */
export const discoverEndpoints = (
  settings: OAuthSettings,
  now: () => number,
): (() => Promise<OAuthEndpoints>) => {
  if (!settings.discover) return () => Promise.resolve(settings)
  const issuer = settings.issuers[0] ?? ''
  let cached: { at: number; endpoints: Promise<OAuthEndpoints> } | undefined
  const load = async (): Promise<OAuthEndpoints> => {
    const document = await fetchJson(
      `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
      `the discovery document of ${issuer}`,
    )
    if (document.issuer !== issuer) {
      throw new OAuthError(
        `the discovery document of ${issuer} names another issuer (${JSON.stringify(document.issuer)})`,
      )
    }
    return {
      authorizationUrl: settings.authorizationUrl ?? urlOf(document.authorization_endpoint),
      tokenUrl: settings.tokenUrl ?? urlOf(document.token_endpoint),
      jwkURI: settings.jwkURI ?? urlOf(document.jwks_uri),
      userInfoUrl: settings.userInfoUrl ?? urlOf(document.userinfo_endpoint),
    }
  }
  return () => {
    if (!cached || now() - cached.at > CACHE_MS) {
      const endpoints = load()
      cached = { at: now(), endpoints }
      endpoints.catch(() => {
        if (cached?.endpoints === endpoints) cached = undefined
      })
    }
    return cached.endpoints
  }
}
