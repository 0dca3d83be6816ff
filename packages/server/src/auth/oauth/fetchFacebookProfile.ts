import { createHmac } from 'node:crypto'
import { fetchJson } from './fetchJson'
import { OAuthError } from './OAuthError'
import type { OAuthSettings } from './oauthSettings'
import type { ProviderProfile } from './providerIdentity'

// Graph fields for App Services' metadata names; `age_range` gives min_age and max_age.
const GRAPH_FIELDS: Readonly<Record<string, string>> = {
  email: 'email',
  name: 'name',
  first_name: 'first_name',
  last_name: 'last_name',
  picture: 'picture',
  gender: 'gender',
  birthday: 'birthday',
  min_age: 'age_range',
  max_age: 'age_range',
}

/**
 * Who a Facebook user access token belongs to, from the Graph API: `debug_token` (with the app's
 * own token) first, so that a token issued to another Facebook app is refused, then `/me` with
 * `appsecret_proof`. Facebook's emails do not count as verified: Graph does not say whether the
 * user confirmed the address.
 */
export const fetchFacebookProfile = async (
  settings: OAuthSettings,
  accessToken: string,
): Promise<ProviderProfile> => {
  const graph = settings.graphUrl ?? ''
  const appToken = `${settings.clientId}|${settings.clientSecret ?? ''}`
  const debug = await fetchJson(
    `${graph}/debug_token?${new URLSearchParams({ input_token: accessToken, access_token: appToken }).toString()}`,
    'Facebook (debug_token)',
  )
  const token = (debug.data ?? {}) as { app_id?: unknown; is_valid?: unknown; user_id?: unknown }
  if (token.is_valid !== true)
    throw new OAuthError('invalid Facebook access token: it is not valid (expired or revoked)')
  if (String(token.app_id) !== settings.clientId) {
    throw new OAuthError('invalid Facebook access token: it was issued to another Facebook app')
  }
  const fields = new Set(['id'])
  for (const field of settings.provider.metadataFields) {
    const graphField = GRAPH_FIELDS[field.name]
    if (graphField) fields.add(graphField)
  }
  const proof = createHmac('sha256', settings.clientSecret ?? '')
    .update(accessToken)
    .digest('hex')
  const me = await fetchJson(
    `${graph}/me?${new URLSearchParams({ fields: [...fields].join(','), access_token: accessToken, appsecret_proof: proof }).toString()}`,
    'Facebook (/me)',
  )
  if (typeof me.id !== 'string' || me.id !== String(token.user_id)) {
    throw new OAuthError('Facebook answered for another user than the access token names')
  }
  const picture = me.picture as { data?: { url?: unknown } } | undefined
  const ageRange = me.age_range as { min?: unknown; max?: unknown } | undefined
  return {
    subject: me.id,
    claims: {
      email: me.email,
      name: me.name,
      first_name: me.first_name,
      last_name: me.last_name,
      picture: picture?.data?.url,
      gender: me.gender,
      birthday: me.birthday,
      min_age: ageRange?.min,
      max_age: ageRange?.max,
    },
    emailVerified: false,
  }
}
