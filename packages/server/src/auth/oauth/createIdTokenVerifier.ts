import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import type { Clock } from '../../Clock'
import { OAuthError } from './OAuthError'
import type { OAuthEndpoints, OAuthSettings } from './oauthSettings'

/** Verifies an ID token of one provider; `nonce`, when given, must be the token's. */
export type IdTokenVerifier = (token: string, expected?: { nonce?: string }) => Promise<JWTPayload>

// Asymmetric algorithms only: a provider's ID tokens are checked with its published public keys.
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]
const CLOCK_TOLERANCE_SECONDS = 30

/** What was wrong with a token, in words for the caller; jose's codes name the failed check. */
const reasonOf = (error: unknown): string => {
  if (error instanceof errors.JWTExpired) return 'it has expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'it was issued for another client (wrong audience)'
    if (error.claim === 'iss') return 'it was issued by another issuer'
    return `its "${error.claim}" claim is not acceptable (${error.message})`
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify'
  if (error instanceof errors.JWKSNoMatchingKey) {
    return 'it is signed with a key the provider does not publish'
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'it is signed with an algorithm not accepted'
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return "the provider's keys could not be read"
  }
  if (error instanceof errors.JOSEError) return `it is malformed (${error.message})`
  return "the provider's keys could not be read"
}

/**
 * Builds the ID-token check of an OAuth provider: the signature against the provider's JWKS
 * (fetched once and cached by jose, fetched again when a token names a key id it has not seen,
 * at most every 30 seconds), `iss` among the provider's issuers, `aud` the configured client id
 * (and `azp` too when there are several audiences, as OpenID Connect Core 3.1.3.7 says), `exp`
 * with 30 seconds of tolerance, and the sign-in's `nonce` when there is one.
 */
export const createIdTokenVerifier = (
  settings: OAuthSettings,
  endpoints: () => Promise<OAuthEndpoints>,
  clock: Clock,
): IdTokenVerifier => {
  const keySets = new Map<string, JWTVerifyGetKey>()
  const keysAt = (url: string): JWTVerifyGetKey => {
    let keys = keySets.get(url)
    if (!keys) {
      keys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 })
      keySets.set(url, keys)
    }
    return keys
  }
  return async (token, expected = {}) => {
    const { jwkURI } = await endpoints()
    if (!jwkURI)
      throw new OAuthError(`${settings.provider.name} publishes no keys to check ID tokens with`)
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, keysAt(jwkURI), {
        algorithms: ALGORITHMS,
        issuer: [...settings.issuers],
        audience: settings.clientId,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(clock.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      }))
    } catch (error) {
      throw new OAuthError(`invalid ID token: ${reasonOf(error)}`, {
        unavailable: error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError),
      })
    }
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== settings.clientId) {
      throw new OAuthError('invalid ID token: it was issued for another client (azp)')
    }
    if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
      throw new OAuthError('invalid ID token: its nonce is not the one this sign-in sent')
    }
    return payload
  }
}
