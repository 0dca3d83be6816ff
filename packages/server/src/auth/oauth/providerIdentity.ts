import type { NewIdentity } from '../users'
import { OAuthError } from './OAuthError'
import type { OAuthSettings } from './oauthSettings'
import { claimAt } from '../claimAt'

/** What a provider said about a user, before the app's `metadata_fields` pick from it. */
export interface ProviderProfile {
  /** The user's id at the provider (`sub`, Facebook's `id`). */
  readonly subject: string
  /**
   * The user's claims: under App Services' metadata names for Google, Apple and Facebook
   * (`email`, `name`, `first_name`, `last_name`, `picture`, `gender`, `birthday`, `min_age`,
   * `max_age`), as the provider sent them for `oauth2-oidc`.
   */
  readonly claims: Readonly<Record<string, unknown>>
  /** Whether the provider vouches that the user owns `claims.email`. */
  readonly emailVerified: boolean
}

/**
 * The identity a provider's profile stands for, as the users table keeps it: keyed by the
 * provider's subject (by issuer and subject for `oauth2-oidc`, whose providers may be several),
 * with the app's `metadata_fields` as the user's profile data, as App Services did: only the
 * fields listed, a listed `required` field that the provider did not send refuses the login.
 * `domain_restrictions` let in only verified emails of the listed domains. An email never links
 * this identity to another user's: identities are found by subject alone.
 */
export const providerIdentity = (
  settings: OAuthSettings,
  profile: ProviderProfile,
): NewIdentity => {
  const { provider } = settings
  if (provider.domainRestrictions.length > 0) {
    const email = profile.claims.email
    const domain = typeof email === 'string' ? email.split('@').pop()?.toLowerCase() : undefined
    if (!profile.emailVerified || !domain || !provider.domainRestrictions.includes(domain)) {
      throw new OAuthError(
        `this app lets in only accounts with a verified email address at ${provider.domainRestrictions.join(', ')}`,
      )
    }
  }
  const data: Record<string, unknown> = {}
  for (const field of provider.metadataFields) {
    const value = claimAt(profile.claims, field.name)
    if (value === undefined || value === null || value === '') {
      if (field.required) {
        throw new OAuthError(
          `the provider did not share "${field.name}", which this app requires: allow it when signing in`,
        )
      }
      continue
    }
    data[field.fieldName] = value
  }
  if (profile.subject === '' || profile.subject.length > 256) {
    throw new OAuthError('the provider sent no usable user id')
  }
  return {
    providerType: provider.type,
    providerId: provider.name,
    externalId:
      settings.kind === 'oidc'
        ? `${settings.issuers[0] ?? ''} ${profile.subject}`
        : profile.subject,
    data,
    providerData: data,
  }
}

/** `email_verified` as providers send it: a boolean, or Apple's string "true". */
export const isVerified = (value: unknown): boolean => value === true || value === 'true'

/** An OpenID Connect ID token's (or userinfo's) standard claims under App Services' names. */
export const appServicesClaims = (
  claims: Readonly<Record<string, unknown>>,
): Record<string, unknown> => ({
  email: claims.email,
  name: claims.name,
  first_name: claims.given_name,
  last_name: claims.family_name,
  picture: claims.picture,
  gender: claims.gender,
  birthday: claims.birthdate,
})
