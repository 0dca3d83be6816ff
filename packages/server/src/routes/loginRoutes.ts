import { Hono } from 'hono'
import { completeLogin } from '../auth/completeLogin'
import type { LoginHandler } from '../auth/createLoginHandlers'
import { deviceIdOf } from '../auth/deviceIdOf'
import { onUserCreated } from '../auth/onUserCreated'
import { enforceRateLimit } from '../http/enforceRateLimit'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'

/** App Services' answer for a provider that is missing or disabled. */
export const providerNotFound = (name: string): ServiceError =>
  new ServiceError(ErrorCode.ProviderNotFound, `authentication via '${name}' is unsupported`)

const wantsRotation = (body: Record<string, unknown>): boolean => {
  const options = body.options as { refreshTokenRotation?: unknown } | undefined
  return options?.refreshTokenRotation === true
}

/** `POST /app/{appId}/auth/providers/{provider}/login` (docs/protocol.md §3). */
export const loginRoutes = (
  ctx: ServerContext,
  handlers: ReadonlyMap<string, LoginHandler>,
): Hono =>
  new Hono().post('/app/:appId/auth/providers/:provider/login', async (c) => {
    const providerName = c.req.param('provider')
    const provider = ctx.app.providers[providerName]
    const handler = handlers.get(providerName)
    if (!provider || !handler) throw providerNotFound(providerName)
    if (c.req.query('link') === 'true') {
      throw new ServiceError(
        ErrorCode.BadRequest,
        'linking identities is not supported by this server',
      )
    }
    enforceRateLimit(ctx, c, provider.type === 'anon-user' ? 'anonymous' : 'login')
    const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
    const rotating = wantsRotation(body)
    if (!rotating && ctx.settings.refreshTokenRotation === 'required') {
      throw new ServiceError(
        ErrorCode.BadRequest,
        'this server requires refresh-token rotation: log in with options.refreshTokenRotation set to true',
      )
    }
    const deviceId = deviceIdOf(body)
    const subject = await handler(body)
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
