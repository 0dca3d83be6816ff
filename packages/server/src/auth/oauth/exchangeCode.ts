import { fetchJson } from './fetchJson'
import type { OAuthEndpoints, OAuthSettings } from './oauthSettings'

/** A token endpoint's answer: what the login goes on with. */
export interface TokenAnswer {
  readonly accessToken: string | undefined
  readonly idToken: string | undefined
}

/**
 * Exchanges an authorization code at the provider's token endpoint (RFC 6749 §4.1.3), with the
 * PKCE verifier when the flow sent a challenge, authenticated with the client secret as the
 * provider's settings say (in the body by default, HTTP Basic for `client_secret_basic`).
 */
export const exchangeCode = async (
  settings: OAuthSettings,
  endpoints: OAuthEndpoints,
  input: { code: string; redirectUri: string; codeVerifier?: string },
): Promise<TokenAnswer> => {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    client_id: settings.clientId,
  })
  if (input.codeVerifier) form.set('code_verifier', input.codeVerifier)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (settings.tokenAuth === 'client_secret_basic') {
    const user = encodeURIComponent(settings.clientId)
    const password = encodeURIComponent(settings.clientSecret ?? '')
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  } else if (settings.clientSecret !== undefined) {
    form.set('client_secret', settings.clientSecret)
  }
  const answer = await fetchJson(
    endpoints.tokenUrl ?? '',
    `${settings.provider.name}'s token endpoint`,
    {
      method: 'POST',
      headers,
      body: form,
    },
  )
  return {
    accessToken: typeof answer.access_token === 'string' ? answer.access_token : undefined,
    idToken: typeof answer.id_token === 'string' ? answer.id_token : undefined,
  }
}
