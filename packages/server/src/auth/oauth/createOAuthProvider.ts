import type { Clock } from '../../Clock'
import type { NewIdentity } from '../users'
import { createIdTokenVerifier } from './createIdTokenVerifier'
import { discoverEndpoints } from './discoverEndpoints'
import { exchangeCode } from './exchangeCode'
import { fetchFacebookProfile } from './fetchFacebookProfile'
import { fetchJson } from './fetchJson'
import { OAuthError } from './OAuthError'
import type { OAuthSettings } from './oauthSettings'
import {
  appServicesClaims,
  isVerified,
  providerIdentity,
  type ProviderProfile,
} from './providerIdentity'

/** What the provider's authorization request carries for one sign-in (the redirect flow). */
export interface AuthorizationRequest {
  /** Our callback URL, registered at the provider. */
  readonly callbackUri: string
  /** The state the provider sends back: the flow's key (never the client's state). */
  readonly state: string
  readonly nonce: string
  /** PKCE (RFC 7636): the S256 challenge of the flow's verifier. */
  readonly codeChallenge: string
}

/** What the provider's callback brought, with what the flow kept for it. */
export interface AuthorizationResponse {
  readonly code: string
  readonly callbackUri: string
  readonly codeVerifier: string
  readonly nonce: string
  /** Apple's `user` form field on a first sign-in: the name, which its ID token lacks. */
  readonly appleUser?: string | undefined
}

/** One OAuth provider: its two ways in (credentials in a login body, and the redirect flow). */
export interface OAuthProvider {
  readonly settings: OAuthSettings
  /**
   * The identity behind the credentials of a `POST .../login` body, as realm-web sends them:
   * `id_token` (Google, Apple, oauth2-oidc), `authCode` (Google), `accessToken` (Facebook).
   */
  identityFromCredentials(body: Readonly<Record<string, unknown>>): Promise<NewIdentity>
  /** The URL to send the user to at the provider. */
  authorizationUrl(request: AuthorizationRequest): Promise<string>
  /** The identity behind an authorization code the provider redirected back with. */
  identityFromCallback(response: AuthorizationResponse): Promise<NewIdentity>
}

const stringField = (body: Readonly<Record<string, unknown>>, key: string): string | undefined => {
  const value = body[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const nameOfAppleUser = (user: string | undefined): Record<string, unknown> => {
  try {
    const { name } = JSON.parse(user ?? '{}') as {
      name?: { firstName?: unknown; lastName?: unknown }
    }
    const first = typeof name?.firstName === 'string' ? name.firstName : undefined
    const last = typeof name?.lastName === 'string' ? name.lastName : undefined
    return {
      first_name: first,
      last_name: last,
      name: [first, last].filter(Boolean).join(' ') || undefined,
    }
  } catch {
    return {}
  }
}

/**
 * Builds one OAuth provider from its settings: Google and Apple are OpenID Connect (their ID
 * tokens are verified against their keys), Facebook is read through the Graph API, and
 * `oauth2-oidc` is any OpenID Connect provider (ID token, then userinfo when it has one) or a
 * plain OAuth 2.0 one with a profile URL (GitHub's `/user`).
 */
export const createOAuthProvider = (settings: OAuthSettings, clock: Clock): OAuthProvider => {
  const endpoints = discoverEndpoints(settings, () => clock.now())
  const verifyIdToken = createIdTokenVerifier(settings, endpoints, clock)
  const { kind, provider } = settings

  const profileOfIdToken = async (
    idToken: string,
    expected: { nonce?: string },
    extra: Record<string, unknown> = {},
  ): Promise<ProviderProfile> => {
    const claims = await verifyIdToken(idToken, expected)
    const subject = claims[settings.subjectClaim] ?? claims.sub
    return {
      subject: typeof subject === 'string' || typeof subject === 'number' ? String(subject) : '',
      claims: kind === 'oidc' ? claims : { ...appServicesClaims(claims), ...stripUndefined(extra) },
      emailVerified: isVerified(claims.email_verified),
    }
  }

  // oauth2-oidc without an ID token (GitHub), or to add userinfo's claims to the ID token's.
  const profileOfUserInfo = async (
    accessToken: string,
    fromIdToken: ProviderProfile | undefined,
  ): Promise<ProviderProfile> => {
    const { userInfoUrl } = await endpoints()
    if (!userInfoUrl) {
      if (fromIdToken) return fromIdToken
      throw new OAuthError(
        `${provider.name} gave no ID token and has no userInfoUrl to ask who signed in`,
      )
    }
    const info = await fetchJson(userInfoUrl, `${provider.name}'s userinfo endpoint`, {
      headers: { authorization: `Bearer ${accessToken}`, 'user-agent': 'custom-data-server' },
    })
    const subject = info[settings.subjectClaim]
    if (typeof subject !== 'string' && typeof subject !== 'number') {
      throw new OAuthError(`${provider.name}'s userinfo has no "${settings.subjectClaim}"`)
    }
    // OpenID Connect Core 5.3.2: userinfo must be about the ID token's user.
    if (fromIdToken && String(subject) !== fromIdToken.subject) {
      throw new OAuthError(`${provider.name}'s userinfo is about another user than its ID token`)
    }
    return {
      subject: String(subject),
      claims: { ...info, ...fromIdToken?.claims },
      emailVerified: fromIdToken?.emailVerified || isVerified(info.email_verified),
    }
  }

  const identityOf = (profile: ProviderProfile) => providerIdentity(settings, profile)

  return {
    settings,
    async identityFromCredentials(body) {
      const idToken = stringField(body, 'id_token')
      const accessToken = stringField(body, 'accessToken')
      const authCode = stringField(body, 'authCode')
      if (kind === 'facebook') {
        if (!accessToken)
          throw new OAuthError('expected "accessToken": a Facebook user access token')
        return identityOf(await fetchFacebookProfile(settings, accessToken))
      }
      if (idToken) return identityOf(await profileOfIdToken(idToken, {}))
      if (authCode && kind === 'google') {
        const tokens = await exchangeCode(settings, await endpoints(), {
          code: authCode,
          redirectUri: settings.authCodeRedirectUri,
        })
        if (!tokens.idToken)
          throw new OAuthError('Google answered the auth code without an ID token')
        return identityOf(await profileOfIdToken(tokens.idToken, {}))
      }
      throw new OAuthError(
        kind === 'google'
          ? 'expected "id_token" or "authCode" (Credentials.google({ idToken }) or ({ authCode }))'
          : 'expected "id_token": an ID token from the provider',
      )
    },
    async authorizationUrl(request) {
      const { authorizationUrl } = await endpoints()
      if (!authorizationUrl) throw new OAuthError(`${provider.name} has no authorization endpoint`)
      const url = new URL(authorizationUrl)
      const params: Record<string, string> = {
        response_type: 'code',
        client_id: settings.clientId,
        redirect_uri: request.callbackUri,
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
      }
      if (settings.scopes.length > 0)
        params.scope = settings.scopes.join(kind === 'facebook' ? ',' : ' ')
      if (kind !== 'facebook') params.nonce = request.nonce
      // Apple posts the result back when the scope asks for the name or email.
      if (kind === 'apple' && settings.scopes.length > 0) params.response_mode = 'form_post'
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
      return url.href
    },
    async identityFromCallback(response) {
      const tokens = await exchangeCode(settings, await endpoints(), {
        code: response.code,
        redirectUri: response.callbackUri,
        codeVerifier: response.codeVerifier,
      })
      if (kind === 'facebook') {
        if (!tokens.accessToken)
          throw new OAuthError('Facebook answered the code without an access token')
        return identityOf(await fetchFacebookProfile(settings, tokens.accessToken))
      }
      const fromIdToken = tokens.idToken
        ? await profileOfIdToken(
            tokens.idToken,
            { nonce: response.nonce },
            kind === 'apple' ? nameOfAppleUser(response.appleUser) : {},
          )
        : undefined
      if (kind === 'oidc' && tokens.accessToken) {
        return identityOf(await profileOfUserInfo(tokens.accessToken, fromIdToken))
      }
      if (!fromIdToken)
        throw new OAuthError(`${provider.name} answered the code without an ID token`)
      return identityOf(fromIdToken)
    },
  }
}

const stripUndefined = (values: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined))
