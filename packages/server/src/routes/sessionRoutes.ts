import { Hono } from 'hono'
import { findSessionByRefreshToken, isSessionActive, revokeSession } from '../auth/sessions'
import { readProfile } from '../auth/users'
import { readCustomData } from '../customData/readCustomData'
import { bearerToken } from '../http/bearerToken'
import { ErrorCode, ServiceError } from '../http/ServiceError'
import type { ServerContext } from '../ServerContext'

/** `POST`/`DELETE /auth/session` and `GET /auth/profile` (PROTOCOL.md §5). */
export const sessionRoutes = (ctx: ServerContext): Hono =>
  new Hono()
    .post('/auth/session', async (c) => {
      const session = await findSessionByRefreshToken(ctx.store, ctx.clock, bearerToken(c))
      if (!session) throw new ServiceError(401, ErrorCode.InvalidSession, 'invalid session')
      // Custom data is re-read at every refresh: that is how App Services clients see new data.
      const userData = await readCustomData(ctx.store, ctx.app.customUserData, session.user_id)
      const accessToken = await ctx.tokens.signAccessToken({
        userId: session.user_id,
        sessionId: session.id,
        deviceId: session.device_id,
        userData,
      })
      return c.json({ access_token: accessToken }, 201)
    })
    .delete('/auth/session', async (c) => {
      const session = await findSessionByRefreshToken(ctx.store, ctx.clock, bearerToken(c))
      // realm-web swallows exactly this message on logout (PROTOCOL.md §5.2).
      if (!session)
        throw new ServiceError(401, ErrorCode.InvalidSession, 'failed to find refresh token')
      await revokeSession(ctx.store, ctx.clock, session.id)
      return c.body(null, 204)
    })
    .get('/auth/profile', async (c) => {
      const claims = await ctx.tokens.verifyAccessToken(bearerToken(c))
      const [active, profile] = await Promise.all([
        isSessionActive(ctx.store, ctx.clock, claims.baas_id),
        readProfile(ctx.store, claims.sub, ctx.app.appId),
      ])
      if (!active || !profile)
        throw new ServiceError(401, ErrorCode.InvalidSession, 'invalid session')
      return c.json(profile)
    })
