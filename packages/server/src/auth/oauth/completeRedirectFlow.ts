import { completeLink } from '../completeLink'
import { completeLogin } from '../completeLogin'
import { linkIdentity } from '../linkIdentity'
import { onUserCreated } from '../onUserCreated'
import { queryProfile, findOrCreateUser } from '../users'
import { ErrorCode, ServiceError } from '../../errors/ServiceError'
import type { ServerContext } from '../../ServerContext'
import type { OAuthProvider } from './createOAuthProvider'
import type { OAuthFlow } from './oauthFlows'

/** What the provider's callback carried. */
export interface CallbackParameters {
  readonly code: string
  /** Apple's `user` form field (the name, on a first sign-in). */
  readonly appleUser?: string | undefined
}

/**
 * Finishes a sign-in the provider sent back: the code exchanged and the identity checked, then a
 * login (the user found or created, a session opened) or, for a link, the identity added to the
 * user that started it, whose session must still be live. Answers `_baas_ua`'s value.
 */
export const completeRedirectFlow = async (
  ctx: ServerContext,
  { oauth, flow }: { readonly oauth: OAuthProvider; readonly flow: OAuthFlow },
  callback: CallbackParameters,
): Promise<string> => {
  const identity = await oauth.identityFromCallback({
    code: callback.code,
    callbackUri: flow.callbackUri,
    codeVerifier: flow.codeVerifier,
    nonce: flow.nonce,
    appleUser: callback.appleUser,
  })
  if (flow.linkUserId !== null && flow.linkSessionId !== null) {
    const live = await queryProfile(ctx.store, {
      userId: flow.linkUserId,
      domainId: ctx.app.appId,
      liveSession: { id: flow.linkSessionId, now: ctx.clock.now() },
    })
    if (!live) {
      throw new ServiceError(
        ErrorCode.InvalidSession,
        'the user that asked for this link logged out',
      )
    }
    await linkIdentity(ctx, flow.linkUserId, identity)
    const [session] = await ctx.store.query<{ device_id: string }>(
      'SELECT device_id FROM sessions WHERE id = $1',
      [flow.linkSessionId],
    )
    const answer = await completeLink(ctx, {
      sub: flow.linkUserId,
      baas_id: flow.linkSessionId,
      baas_device_id: session?.device_id ?? '',
    })
    return [answer.access_token, '', answer.user_id, answer.device_id].join('$')
  }
  const subject = await findOrCreateUser(ctx.store, ctx.clock, identity)
  if (subject.created) await onUserCreated(ctx, subject.userId)
  const answer = await completeLogin(ctx, {
    userId: subject.userId,
    identityId: subject.identityId,
    deviceId: flow.deviceId,
    rotating: flow.rotating,
    anonymous: false,
  })
  return [answer.access_token, answer.refresh_token, answer.user_id, answer.device_id].join('$')
}
