import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { findApiKey } from '../auth/apiKeys'
import { encodeRelaxed } from '../ejson/ejsonCodec'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { bearerToken } from '../http/bearerToken'
import { enforceRateLimit } from '../http/enforceRateLimit'
import { readEjsonBody } from '../http/readEjsonBody'
import type { ServerContext } from '../ServerContext'
import { createUserAdmin } from './createUserAdmin'

/** Where the admin API lives (docs/protocol.md §17.8). */
export const ADMIN_API = '/api/admin/v1'

const badKey = (): ServiceError =>
  new ServiceError(ErrorCode.AuthError, 'a valid server API key is required')

/**
 * Only a server API key (`custom-data-server keys create`) opens the admin API: a user's own API
 * key, or an access token, does not. Failed attempts count against the login rate limit.
 */
const requireServerKey = async (ctx: ServerContext, c: Context): Promise<void> => {
  const key = bearerToken(c)
  const found =
    key.length <= 256
      ? await ctx.store.query<{ type: string }>('SELECT type FROM users WHERE id = $1', [
          (await findApiKey(ctx.store, key))?.userId ?? '',
        ])
      : []
  if (found[0]?.type !== 'server') {
    enforceRateLimit(ctx, c, 'login')
    throw badKey()
  }
}

const limitOf = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const limit = Number(text)
  if (!/^\d+$/.test(text)) {
    throw new ServiceError(ErrorCode.InvalidParameter, 'limit must be a positive integer')
  }
  return limit
}

/**
 * The admin HTTP API (docs/protocol.md §17.8): users and their custom data, for a payment
 * webhook or a back office, with a server API key as `Authorization: Bearer <key>`. Custom data
 * is written through the collection API, so the change feed, live streams and triggers see it.
 */
export const adminRoutes = (ctx: ServerContext): Hono => {
  const admin = createUserAdmin({
    store: ctx.store,
    clock: ctx.clock,
    collections: ctx.collections,
    customData: ctx.app.customUserData,
  })
  const guard: MiddlewareHandler = async (c, next) => {
    await requireServerKey(ctx, c)
    await next()
  }
  return new Hono()
    .use('*', guard)
    .get('/users', async (c) =>
      c.json(
        await admin.list({
          ...(c.req.query('limit') !== undefined ? { limit: limitOf(c.req.query('limit'))! } : {}),
          ...(c.req.query('after') !== undefined ? { after: c.req.query('after')! } : {}),
        }),
      ),
    )
    .get('/users/:id', async (c) => c.json(await admin.get(c.req.param('id'))))
    .get('/users/:id/custom-data', async (c) =>
      c.json(encodeRelaxed(await admin.getData(c.req.param('id'))) as object | null),
    )
    .patch('/users/:id/custom-data', async (c) => {
      const fields = await readEjsonBody(c, ctx.settings.maxBodyBytes)
      return c.json(encodeRelaxed(await admin.setData(c.req.param('id'), fields)) as object)
    })
    .post('/users/:id/disable', async (c) => {
      await admin.disable(c.req.param('id'))
      return c.body(null, 204)
    })
    .delete('/users/:id', async (c) => {
      await admin.delete(c.req.param('id'))
      return c.body(null, 204)
    })
}
