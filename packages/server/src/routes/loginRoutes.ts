import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { completeLogin } from '../auth/completeLogin'
import { deviceIdOf } from '../auth/deviceIdOf'
import { createUser } from '../auth/users'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../http/ServiceError'
import type { ServerContext } from '../ServerContext'

/** `POST /app/{appId}/auth/providers/{provider}/login` (PROTOCOL.md §3). */
export const loginRoutes = (ctx: ServerContext): Hono =>
  new Hono().post('/app/:appId/auth/providers/:provider/login', async (c) => {
    const providerName = c.req.param('provider')
    const provider = ctx.app.providers[providerName]
    if (!provider || provider.disabled) {
      throw new ServiceError(
        400,
        ErrorCode.ProviderNotFound,
        `authentication via '${providerName}' is unsupported`,
      )
    }
    const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
    const deviceId = deviceIdOf(body)

    if (provider.type !== 'anon-user') {
      throw new ServiceError(
        400,
        ErrorCode.ProviderNotFound,
        `authentication via '${providerName}' is unsupported`,
      )
    }
    const { userId, identityId } = await ctx.store.transaction((tx) =>
      createUser(tx, ctx.clock, {
        providerType: 'anon-user',
        providerId: provider.name,
        externalId: randomUUID(),
      }),
    )
    return c.json(await completeLogin(ctx, { userId, identityId, deviceId }))
  })
