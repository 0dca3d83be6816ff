import { Hono } from 'hono'
import { completeLink } from '../auth/completeLink'
import { completeLogin } from '../auth/completeLogin'
import type { LoginHandler } from '../auth/createLoginHandlers'
import { deviceIdOf } from '../auth/deviceIdOf'
import { onUserCreated } from '../auth/onUserCreated'
import { enforceRateLimit } from '../http/enforceRateLimit'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { liveAccess } from './sessionRoutes'

/** App Services' answer for a provider that is missing or disabled. */
export const providerNotFound = (name: string): ServiceError =>
  new ServiceError(ErrorCode.ProviderNotFound, `authentication via '${name}' is unsupported`)

const wantsRotation = (body: Record<string, unknown>): boolean => {
  const options = body.options as { refreshTokenRotation?: unknown } | undefined
  return options?.refreshTokenRotation === true
}

/**
 * `POST /app/{appId}/auth/providers/{provider}/login` (docs/protocol.md §3), and with `?link=true`
 * and the user's access token, the link of the credentials' identity to that user (§3.5).
 */
export const loginRoutes = (
  ctx: ServerContext,
  handlers: ReadonlyMap<string, LoginHandler>,
): Hono =>
  new Hono()
    // The enabled providers by name and type, as the Stitch SDKs listed them: what a sign-in page
    // offers (the demo's "Sign in with ..." buttons). Names and types only, never their config.
    .get('/app/:appId/auth/providers', (c) =>
      c.json(
        [...handlers.keys()].map((name) => ({
          name,
          type: ctx.app.providers[name]?.type,
          ...(handlers.get(name)?.oauth
            ? { redirect: ctx.app.providers[name]?.redirectUris.length !== 0 }
            : {}),
        })),
      ),
    )
    .post('/app/:appId/auth/providers/:provider/login', async (c) => {
      const providerName = c.req.param('provider')
      const provider = ctx.app.providers[providerName]
      const handler = handlers.get(providerName)
      if (!provider || !handler) throw providerNotFound(providerName)
      enforceRateLimit(ctx, c, provider.type === 'anon-user' ? 'anonymous' : 'login')
      if (c.req.query('link') === 'true') {
        const access = await liveAccess(ctx, c)
        const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
        await handler.link(body, access.claims.sub)
        return c.json(await completeLink(ctx, access.claims))
      }
      const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
      const rotating = wantsRotation(body)
      if (!rotating && ctx.settings.refreshTokenRotation === 'required') {
        throw new ServiceError(
          ErrorCode.BadRequest,
          'this server requires refresh-token rotation: log in with options.refreshTokenRotation set to true',
        )
      }
      const deviceId = deviceIdOf(body)
      const subject = await handler.logIn(body)
      if (subject.created) await onUserCreated(ctx, subject.userId)
      return c.json(
        await completeLogin(ctx, {
          userId: subject.userId,
          identityId: subject.identityId,
          deviceId,
          rotating,
          anonymous: subject.anonymous === true,
        }),
      )
    })
