import type { Context } from 'hono'
import { Hono } from 'hono'
import { invalidSession } from '../auth/refreshSession'
import { queryProfile } from '../auth/users'
import { callCollectionAction } from '../collection/callCollectionAction'
import { serviceActionCall } from '../collection/serviceActionCall'
import { readCustomData } from '../customData/readCustomData'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import { functionRequestOf } from '../functions/functionRequestOf'
import type { FunctionRequest, FunctionUser, WriteEvent } from '../functions/FunctionRunner'
import { runAsOf } from '../endpoints/runAsOf'
import { bearerToken } from '../http/bearerToken'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'

/**
 * The largest `X-Refreshed-Access-Token` sent, in characters. Node (servers and `fetch`) refuses
 * answers whose headers pass 16 KiB in all, and proxies often allow far less (nginx buffers 4 or
 * 8 KiB of upstream headers): beyond this the token only travels in a refresh answer's body.
 */
const MAX_REFRESHED_TOKEN_HEADER = 8 * 1024

/**
 * `POST /app/{appId}/functions/call` (docs/protocol.md §7, §11): calls a function (`{ name, arguments }`)
 * or runs a MongoDB service action for realm-web's `mongoClient` (`{ name, arguments, service }`).
 * Private functions are as absent as missing ones (404); a function's `can_evaluate` must hold for
 * the caller (403). When the call changed the caller's custom-data document, the answer carries a
 * fresh access token in `X-Refreshed-Access-Token` (§17.3).
 */
export const functionRoutes = (ctx: ServerContext): Hono =>
  new Hono().post('/app/:appId/functions/call', async (c) => {
    const claims = await ctx.tokens.verifyAccessToken(bearerToken(c))
    const body = await readEjsonObject(c, ctx.settings.maxBodyBytes)
    const { name, arguments: args = [], service } = body
    if (typeof name !== 'string' || name === '') {
      throw new ServiceError(ErrorCode.MissingParameter, 'function call needs a "name"')
    }
    if (!Array.isArray(args)) {
      throw new ServiceError(ErrorCode.InvalidParameter, '"arguments" must be an array')
    }
    if (service !== undefined && typeof service !== 'string') {
      throw new ServiceError(ErrorCode.InvalidParameter, '"service" must be a string')
    }
    // The caller's profile, in the same query that checks its session is still live.
    const profile = await queryProfile(ctx.store, {
      userId: claims.sub,
      domainId: ctx.app.appId,
      liveSession: { id: claims.baas_id, now: ctx.clock.now() },
    })
    if (!profile) throw invalidSession()
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
    const onWrite = ({ db, coll }: WriteEvent) => {
      if (customData && db === customData.databaseName && coll === customData.collectionName) {
        touchedCustomData = true
      }
    }

    const result =
      service === undefined
        ? await callFunction(ctx, c, { name, args, user, onWrite })
        : await runServiceAction(ctx, {
            service,
            name,
            args,
            user,
            onWrite,
            request: functionRequestOf(c, {
              service,
              action: name,
              trustedProxies: ctx.settings.trustedProxies,
            }),
          })

    if (touchedCustomData && ctx.settings.refreshedTokenHeader) {
      // Read-your-writes in one round trip (docs/protocol.md §17.3): when the caller's document
      // changed, answer with a token that already carries it.
      const userData = await readCustomData(ctx.store, customData, claims.sub)
      if (JSON.stringify(userData) !== JSON.stringify(claims.user_data)) {
        const token = await ctx.tokens.signAccessToken({
          userId: claims.sub,
          sessionId: claims.baas_id,
          deviceId: claims.baas_device_id,
          userData,
          isAnonymous: claims.is_anonymous === true,
          notAfter: claims.exp,
        })
        // A token too large for a header (custom data near its cap) is left out: the client
        // refreshes instead, as against a server without §17.3.
        if (token.length <= MAX_REFRESHED_TOKEN_HEADER) c.header('X-Refreshed-Access-Token', token)
      }
    }
    return c.json(encodeCanonical(result) as object)
  })

interface CallInput {
  readonly name: string
  readonly args: readonly unknown[]
  readonly user: FunctionUser
  readonly onWrite: (event: WriteEvent) => void
}

const callFunction = async (ctx: ServerContext, c: Context, input: CallInput): Promise<unknown> => {
  const { name, user } = input
  const definition = ctx.app.functions.get(name)
  if (!definition || definition.private) {
    throw new ServiceError(ErrorCode.FunctionNotFound, `function not found: '${name}'`)
  }
  const request = functionRequestOf(c, {
    service: '',
    action: name,
    trustedProxies: ctx.settings.trustedProxies,
  })
  if (!(await definition.canEvaluate.evaluate(ctx.collections.ruleContext(user, { ...request })))) {
    throw new ServiceError(
      ErrorCode.NoMatchingRuleFound,
      `rule not matched for function '${name}': its can_evaluate expression does not hold for this user`,
    )
  }
  return ctx.functions.call({
    name,
    args: input.args,
    ...(await runAsOf(ctx, definition, { user, request, args: input.args })),
    request,
    onWrite: input.onWrite,
  })
}

const runServiceAction = async (
  ctx: ServerContext,
  input: CallInput & { readonly service: string; readonly request: FunctionRequest },
): Promise<unknown> => {
  if (!ctx.collections.services.includes(input.service)) {
    throw new ServiceError(ErrorCode.ServiceNotFound, `service not found: '${input.service}'`)
  }
  const call = serviceActionCall(input.name, input.args)
  const collection = ctx.collections.open({
    service: input.service,
    db: call.database,
    coll: call.collection,
    user: input.user,
    system: false,
    caller: 'client',
    onWrite: input.onWrite,
    request: { ...input.request },
  })
  return callCollectionAction(collection, call.action, call.args)
}
