import type { Context } from 'hono'
import type { AccessTokenClaims } from '../auth/createTokenService'
import type { ServerContext } from '../ServerContext'
import type { LiveEntry } from './LiveEntry'
import { sseComment, sseEvent } from './sseFrames'
import { sseResponse } from './sseResponse'

/**
 * The caller's custom-data stream (docs/protocol.md §17.7): `ready` once registered, then a
 * `token` frame (a fresh access token of the caller's session carrying the new `user_data`,
 * expiring no later than the token the stream was opened with) whenever the custom data differs
 * from what the caller holds, and an `end` frame with the reason when the stream ends.
 */
export const openCustomDataStream = (
  ctx: ServerContext,
  c: Context,
  claims: AccessTokenClaims,
): Response => {
  const hub = ctx.live
  let unregister = (): void => {}
  const { stream, response } = sseResponse(c, {
    maxBufferedBytes: ctx.settings.live.maxBufferedBytes,
    onClose: () => unregister(),
  })
  // What the caller holds: a token is sent only when the data differs from it.
  let held = JSON.stringify(claims.user_data ?? null)
  // One push at a time, so tokens arrive in the order of the data they carry.
  let pushing: Promise<void> = Promise.resolve()
  const push = (userData: unknown): Promise<void> => {
    pushing = pushing
      .then(async () => {
        const text = JSON.stringify(userData ?? null)
        if (text === held || stream.closed) return
        held = text
        const token = await ctx.tokens.signAccessToken({
          userId: claims.sub,
          sessionId: claims.baas_id,
          deviceId: claims.baas_device_id,
          userData,
          isAnonymous: claims.is_anonymous === true,
          notAfter: claims.exp,
        })
        stream.send(sseEvent('token', token))
      })
      .catch((error: unknown) => {
        ctx.logger.warn({ err: error, userId: claims.sub }, 'live stream: a push failed')
      })
    return pushing
  }
  const entry: LiveEntry = {
    userId: claims.sub,
    sessionId: claims.baas_id,
    expiresAtMs: claims.exp * 1000,
    onCustomData: push,
    heartbeat: () => stream.send(sseComment('ping')),
    end: (reason) => stream.close(sseEvent('end', JSON.stringify({ reason }))),
  }
  unregister = hub.add(entry)
  stream.send(sseEvent('ready', JSON.stringify({ expiresAt: claims.exp })))
  // A change committed between the caller's token and this stream: sent now.
  hub.catchUp(entry).catch((error: unknown) => {
    ctx.logger.warn({ err: error, userId: claims.sub }, 'live stream: catching up failed')
  })
  return response
}
