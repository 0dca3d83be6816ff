import { Hono, type Context } from 'hono'
import type { AccessTokenClaims } from '../auth/createTokenService'
import { invalidSession, refreshSession } from '../auth/refreshSession'
import { findSessionOfToken, revokeSession } from '../auth/sessions'
import { deleteUser, queryProfile, type UserProfile } from '../auth/users'
import { bearerToken } from '../http/bearerToken'
import { enforceRateLimit } from '../http/enforceRateLimit'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'

/**
 * The access token's claims, once its session is known to be live and its user to exist: a
 * logged-out session or a deleted user is refused at once, not when the token expires (B17, B20).
 */
export const liveAccess = async (
  ctx: ServerContext,
  c: Context,
): Promise<{ claims: AccessTokenClaims; profile: UserProfile }> => {
  const claims = await ctx.tokens.verifyAccessToken(bearerToken(c))
  const profile = await queryProfile(ctx.store, {
    userId: claims.sub,
    domainId: ctx.app.appId,
    liveSession: { id: claims.baas_id, now: ctx.clock.now() },
  })
  if (!profile) throw invalidSession()
  return { claims, profile }
}

/** `POST`/`DELETE /auth/session`, `GET /auth/profile` and `DELETE /auth/delete` (docs/protocol.md §5). */
export const sessionRoutes = (ctx: ServerContext): Hono =>
  new Hono()
    .post('/auth/session', async (c) => {
      enforceRateLimit(ctx, c, 'refresh')
      // Custom data is re-read at every refresh: that is how App Services clients see new data.
      const { session, userData, refreshToken } = await refreshSession(ctx, bearerToken(c))
      const accessToken = await ctx.tokens.signAccessToken({
        userId: session.user_id,
        sessionId: session.id,
        deviceId: session.device_id,
        userData,
        isAnonymous: session.anonymous,
      })
      return c.json(
        refreshToken === undefined
          ? { access_token: accessToken }
          : { access_token: accessToken, refresh_token: refreshToken },
        201,
      )
    })
    .delete('/auth/session', async (c) => {
      // Any token the session ever had ends it: logging out is always safe to honour.
      const session = await findSessionOfToken(ctx.store, bearerToken(c))
      // realm-web swallows exactly this message on logout (docs/protocol.md §5.2).
      if (!session || !(await revokeSession(ctx.store, ctx.clock, session.id))) {
        throw new ServiceError(ErrorCode.InvalidSession, 'failed to find refresh token')
      }
      return c.body(null, 204)
    })
    .get('/auth/profile', async (c) => c.json((await liveAccess(ctx, c)).profile))
    .delete('/auth/delete', async (c) => {
      const { claims } = await liveAccess(ctx, c)
      await deleteUser(ctx.store, claims.sub)
      ctx.logger.info({ userId: claims.sub }, 'user deleted')
      return c.body(null, 204)
    })
