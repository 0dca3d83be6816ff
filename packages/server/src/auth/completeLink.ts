import { readCustomData } from '../customData/readCustomData'
import type { ServerContext } from '../ServerContext'
import type { AccessTokenClaims } from './createTokenService'
import { readProfile, type UserProfile } from './users'

/** The answer to a link (docs/protocol.md §3.5): the same user, a fresh access token, no refresh token. */
export interface LinkAnswer {
  access_token: string
  user_id: string
  device_id: string
  profile: UserProfile | undefined
}

/**
 * Ends a link: the user's sessions stay as they were (realm-web keeps its refresh token), no
 * longer anonymous once the user has another identity, and the session that asked gets a new
 * access token with the profile that now lists the new identity.
 */
export const completeLink = async (
  ctx: ServerContext,
  claims: Pick<AccessTokenClaims, 'sub' | 'baas_id' | 'baas_device_id'>,
): Promise<LinkAnswer> => {
  const userId = claims.sub
  await ctx.store.query(
    `UPDATE sessions SET anonymous = false WHERE user_id = $1 AND anonymous
        AND EXISTS (SELECT 1 FROM identities WHERE user_id = $1 AND provider_type <> 'anon-user')`,
    [userId],
  )
  const [userData, profile] = await Promise.all([
    readCustomData(ctx.store, ctx.app.customUserData, userId),
    readProfile(ctx.store, userId, ctx.app.appId),
  ])
  const accessToken = await ctx.tokens.signAccessToken({
    userId,
    sessionId: claims.baas_id,
    deviceId: claims.baas_device_id,
    userData,
    isAnonymous: profile?.identities.every((identity) => identity.provider_type === 'anon-user'),
  })
  return {
    access_token: accessToken,
    user_id: userId,
    device_id: claims.baas_device_id,
    profile,
  }
}
