import { Hono, type Context } from 'hono'
import {
  createApiKey,
  deleteApiKey,
  getApiKey,
  listApiKeys,
  setApiKeyDisabled,
} from '../auth/apiKeys'
import { invalidSession } from '../auth/refreshSession'
import { findSessionByRefreshToken } from '../auth/sessions'
import { bearerToken } from '../http/bearerToken'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'

/**
 * User API keys (docs/protocol.md §6), authenticated with the **refresh** token as realm-web sends it.
 * Anonymous users cannot own keys, as on App Services.
 */
export const apiKeyRoutes = (ctx: ServerContext): Hono => {
  const owner = async (c: Context): Promise<string> => {
    const session = await findSessionByRefreshToken(ctx.store, bearerToken(c), {
      now: ctx.clock.now(),
      idleTimeout: ctx.settings.sessionIdleTimeout,
    })
    if (!session) throw invalidSession()
    return session.user_id
  }
  const keyId = (c: Context): string => c.req.param('keyId') ?? ''

  return new Hono()
    .post('/auth/api_keys', async (c) => {
      const userId = await owner(c)
      const anonymousOnly = await ctx.store.query(
        `SELECT 1 FROM identities WHERE user_id = $1 HAVING bool_and(provider_type = 'anon-user')`,
        [userId],
      )
      if (anonymousOnly.length > 0) {
        throw new ServiceError(ErrorCode.Forbidden, 'anonymous users cannot create API keys')
      }
      const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
      return c.json(await createApiKey(ctx.store, ctx.clock, { userId, name: body.name }), 201)
    })
    .get('/auth/api_keys', async (c) => c.json(await listApiKeys(ctx.store, await owner(c))))
    .get('/auth/api_keys/:keyId', async (c) =>
      c.json(await getApiKey(ctx.store, { userId: await owner(c), keyId: keyId(c) })),
    )
    .delete('/auth/api_keys/:keyId', async (c) => {
      await deleteApiKey(ctx.store, { userId: await owner(c), keyId: keyId(c) })
      return c.body(null, 204)
    })
    .put('/auth/api_keys/:keyId/enable', async (c) => {
      await setApiKeyDisabled(ctx.store, {
        userId: await owner(c),
        keyId: keyId(c),
        disabled: false,
      })
      return c.body(null, 204)
    })
    .put('/auth/api_keys/:keyId/disable', async (c) => {
      await setApiKeyDisabled(ctx.store, {
        userId: await owner(c),
        keyId: keyId(c),
        disabled: true,
      })
      return c.body(null, 204)
    })
}
