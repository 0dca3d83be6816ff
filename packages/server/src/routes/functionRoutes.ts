import { Hono } from 'hono'
import { isSessionActive } from '../auth/sessions'
import { readProfile } from '../auth/users'
import { readCustomData } from '../customData/readCustomData'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import type { FunctionUser } from '../functions/FunctionRunner'
import { bearerToken } from '../http/bearerToken'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../http/ServiceError'
import type { ServerContext } from '../ServerContext'

const messageOf = (error: unknown): string => {
  // Errors thrown inside a function come from another realm: no `instanceof Error` there.
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message)
  }
  return String(error)
}

/** `POST /app/{appId}/functions/call` (PROTOCOL.md §7). */
export const functionRoutes = (ctx: ServerContext): Hono =>
  new Hono().post('/app/:appId/functions/call', async (c) => {
    const claims = await ctx.tokens.verifyAccessToken(bearerToken(c))
    const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
    const { name, arguments: args = [], service } = body
    if (typeof name !== 'string' || name === '') {
      throw new ServiceError(400, ErrorCode.MissingParameter, 'function call needs a "name"')
    }
    if (!Array.isArray(args)) {
      throw new ServiceError(400, ErrorCode.InvalidParameter, '"arguments" must be an array')
    }
    if (service !== undefined) {
      throw new ServiceError(
        404,
        ErrorCode.ServiceNotFound,
        `service not found: '${typeof service === 'string' ? service : JSON.stringify(service)}'`,
      )
    }
    const definition = ctx.app.functions.get(name)
    if (!definition || definition.private) {
      throw new ServiceError(404, ErrorCode.FunctionNotFound, `function not found: '${name}'`)
    }
    const [active, profile] = await Promise.all([
      isSessionActive(ctx.store, ctx.clock, claims.baas_id),
      readProfile(ctx.store, claims.sub, ctx.app.appId),
    ])
    if (!active || !profile)
      throw new ServiceError(401, ErrorCode.InvalidSession, 'invalid session')
    const user: FunctionUser = {
      id: profile.user_id,
      type: profile.type,
      data: profile.data,
      custom_data: (claims.user_data ? decodeEjson(claims.user_data) : {}) as Record<
        string,
        unknown
      >,
      identities: profile.identities.map(({ id, provider_type }) => ({ id, provider_type })),
    }
    const customData = ctx.app.customUserData
    let touchedCustomData = false
    let result: unknown
    try {
      result = await ctx.functions.call({
        name,
        args,
        user,
        onWrite: ({ db, coll }) => {
          if (customData && db === customData.databaseName && coll === customData.collectionName) {
            touchedCustomData = true
          }
        },
      })
    } catch (error) {
      throw new ServiceError(400, ErrorCode.FunctionExecutionError, messageOf(error))
    }
    if (touchedCustomData && ctx.settings.refreshedTokenHeader) {
      // Read-your-writes in one round trip (PROTOCOL.md §17.3): when the caller's document
      // changed, answer with a token that already carries it.
      const userData = await readCustomData(ctx.store, customData, claims.sub)
      if (JSON.stringify(userData) !== JSON.stringify(claims.user_data)) {
        const token = await ctx.tokens.signAccessToken({
          userId: claims.sub,
          sessionId: claims.baas_id,
          deviceId: claims.baas_device_id,
          userData,
        })
        c.header('X-Refreshed-Access-Token', token)
      }
    }
    return c.json(encodeCanonical(result) as object)
  })
