import { readCustomData } from '../customData/readCustomData'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { openSession } from './sessions'
import { readProfile, type UserProfile } from './users'

/** The login answer (docs/protocol.md §3.3), with the profile of §17.2. */
export interface LoginAnswer {
  access_token: string
  refresh_token: string
  user_id: string
  device_id: string
  profile: UserProfile
}

export interface CompleteLoginInput {
  readonly userId: string
  readonly identityId: string | null
  readonly deviceId: string
  /** The login asked for refresh-token rotation (`options.refreshTokenRotation`, §17.1). */
  readonly rotating: boolean
  /** The anon-user provider let the user in: its tokens say `is_anonymous`. */
  readonly anonymous: boolean
}

/** Opens a session for a user whose credentials checked out and builds the login answer. */
export const completeLogin = async (
  ctx: ServerContext,
  { userId, identityId, deviceId, rotating, anonymous }: CompleteLoginInput,
): Promise<LoginAnswer> => {
  // Checked before a session exists: credentials that still check out (a custom JWT, an auth
  // function's answer, a password) do not let a disabled user in, nor leave a session behind.
  const [userData, profile] = await Promise.all([
    readCustomData(ctx.store, ctx.app.customUserData, userId),
    readProfile(ctx.store, userId, ctx.app.appId),
  ])
  if (!profile) throw new ServiceError(ErrorCode.UserDisabled, 'user disabled')
  const [{ sessionId, refreshToken }] = await Promise.all([
    openSession(ctx.store, ctx.clock, {
      userId,
      identityId,
      deviceId,
      lifetime: ctx.settings.refreshTokenLifetime,
      rotating,
      anonymous,
    }),
    // A user that has logged in owns its identities: they can no longer join another user
    // (auth/linkIdentity.ts).
    ctx.store.query('UPDATE users SET last_login_at = $2 WHERE id = $1', [
      userId,
      new Date(ctx.clock.now()),
    ]),
  ])
  const accessToken = await ctx.tokens.signAccessToken({
    userId,
    sessionId,
    deviceId,
    userData,
    isAnonymous: anonymous,
  })
  return {
    access_token: accessToken,
    refresh_token: refreshToken,
    user_id: userId,
    device_id: deviceId,
    profile,
  }
}
