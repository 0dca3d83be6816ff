import { queryProfile } from '../auth/users'
import { readCustomData } from '../customData/readCustomData'
import { decodeEjson } from '../ejson/ejsonCodec'
import type { FunctionUser } from '../functions/FunctionRunner'
import type { ServerContext } from '../ServerContext'

/** Which user, and what of them a function should see. */
export interface EndpointUserQuery {
  readonly userId: string
  /** Read their custom-data document into `custom_data` (else `{}`). */
  readonly fetchCustomData: boolean
  /** A session of theirs that must still be live (a bearer access token's). */
  readonly liveSession?: { readonly id: string }
}

/**
 * `context.user` for a call made on a user's behalf outside `functions/call`: the profile (the
 * user must exist and be enabled, else undefined) and, when asked, the custom-data document as it
 * is now in the store.
 */
export const endpointUserOf = async (
  ctx: ServerContext,
  query: EndpointUserQuery,
): Promise<FunctionUser | undefined> => {
  const profile = await queryProfile(ctx.store, {
    userId: query.userId,
    domainId: ctx.app.appId,
    ...(query.liveSession
      ? { liveSession: { id: query.liveSession.id, now: ctx.clock.now() } }
      : {}),
  })
  if (!profile) return undefined
  const customData = query.fetchCustomData
    ? await readCustomData(ctx.store, ctx.app.customUserData, query.userId)
    : undefined
  return {
    id: profile.user_id,
    type: profile.type,
    data: profile.data,
    custom_data: (customData === undefined ? {} : decodeEjson(customData)) as Record<
      string,
      unknown
    >,
    identities: profile.identities.map(({ id, provider_type }) => ({ id, provider_type })),
  }
}
