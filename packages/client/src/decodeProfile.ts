import { invalidResponse } from './ApiError'
import type { UserProfileData } from './sessionStore'

/** A profile as servers send it, with the login answer or alone (docs/protocol.md §5.3). */
export interface ProfileAnswer {
  type?: unknown
  identities?: { id: string; provider_type: string }[]
  data?: Record<string, unknown>
}

// The profile fields realm-web renames (`user.profile.pictureUrl`); other names stay.
const PROFILE_NAMES = new Map([
  ['picture', 'pictureUrl'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['min_age', 'minAge'],
  ['max_age', 'maxAge'],
])

/**
 * The profile a user record keeps, from the server's answer: identities and fields under
 * realm-web's names. A malformed answer is an `InvalidResponse` error.
 */
export const decodeProfile = (answer: ProfileAnswer | null | undefined): UserProfileData => {
  const { type, identities, data } = answer ?? {}
  if (typeof type !== 'string' || !Array.isArray(identities)) throw invalidResponse('profile')
  return {
    type,
    identities: identities.map((identity) => ({
      id: identity.id,
      providerType: identity.provider_type,
    })),
    data: Object.fromEntries(
      Object.entries(data ?? {}).map(([name, value]) => [PROFILE_NAMES.get(name) ?? name, value]),
    ),
  }
}
