import { Hono } from 'hono'
import { invalidSession } from '../auth/refreshSession'
import { queryProfile } from '../auth/users'
import { callCollectionAction } from '../collection/callCollectionAction'
import { serviceActionCall, type ServiceActionCall } from '../collection/serviceActionCall'
import { readCustomData } from '../customData/readCustomData'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import { functionRequestOf } from '../functions/functionRequestOf'
import type { FunctionRequest, FunctionUser } from '../functions/FunctionRunner'
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

/** Service actions that only read. */
const READ_ACTIONS = new Set([
  'find',
  'findOne',
  'count',
  'countDocuments',
  'distinct',
  'aggregate',
])

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
    let action: ServiceActionCall | undefined
    if (service !== undefined) {
      if (!ctx.collections.services.includes(service)) {
        throw new ServiceError(ErrorCode.ServiceNotFound, `service not found: '${service}'`)
      }
      action = serviceActionCall(name, args)
    }
    // The change feed says whether the call changed the caller's document, whichever way it
    // wrote (a function, a nested one, a service action): mark the moment before the call. A
    // service action that cannot write that document has nothing to ask.
    const mark =
      customData &&
      ctx.settings.refreshedTokenHeader &&
      (!action ||
        (!READ_ACTIONS.has(action.action) &&
          action.database === customData.databaseName &&
          action.collection === customData.collectionName))
        ? await ctx.feed.mark()
        : undefined

    const request = functionRequestOf(c, {
      service: service ?? '',
      action: name,
      trustedProxies: ctx.settings.trustedProxies,
    })
    const result = action
      ? await runServiceAction(ctx, { service: service as string, call: action, user, request })
      : await callFunction(ctx, { name, args, user, request })

    if (
      customData &&
      mark &&
      (await ctx.feed.documentChangedSince(mark, {
        db: customData.databaseName,
        coll: customData.collectionName,
        field: customData.userIdField,
        value: claims.sub,
      }))
    ) {
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
  /** `context.request`, and `%%request` in rules and `can_evaluate`. */
  readonly request: FunctionRequest
}

const callFunction = async (ctx: ServerContext, input: CallInput): Promise<unknown> => {
  const { name, user, request } = input
  const definition = ctx.app.functions.get(name)
  if (!definition || definition.private) {
    throw new ServiceError(ErrorCode.FunctionNotFound, `function not found: '${name}'`)
  }
  if (!(await definition.canEvaluate.evaluate(ctx.collections.ruleContext(user, { ...request })))) {
    throw new ServiceError(
      ErrorCode.NoMatchingRuleFound,
      `rule not matched for function '${name}': its can_evaluate expression does not hold for this user`,
    )
  }
  return ctx.functions.call({
    name,
    args: input.args,
    // run_as_user_id and run_as_user_id_script_source choose another user (run_as_system wins).
    ...(await runAsOf(ctx, definition, { user, request, args: input.args })),
    request,
  })
}

const runServiceAction = async (
  ctx: ServerContext,
  input: {
    readonly service: string
    readonly call: ServiceActionCall
    readonly user: FunctionUser
    readonly request: FunctionRequest
  },
): Promise<unknown> => {
  const { call } = input
  const collection = ctx.collections.open({
    service: input.service,
    db: call.database,
    coll: call.collection,
    user: input.user,
    system: false,
    caller: 'client',
    request: { ...input.request },
  })
  return callCollectionAction(collection, call.action, call.args)
}
