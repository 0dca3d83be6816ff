import { Hono } from 'hono'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { liveAccess } from '../routes/sessionRoutes'
import type { ServerContext } from '../ServerContext'
import { openCustomDataStream } from './openCustomDataStream'
import { openWatchStream } from './openWatchStream'

const streamsOff = (): ServiceError =>
  new ServiceError(ErrorCode.NotFound, 'live streams are turned off on this server')

/**
 * `GET /app/{appId}/live/custom-data` (docs/protocol.md §17.7): the caller's custom-data stream;
 * and `GET /app/{appId}/functions/call`, the streamed call of realm-web's `watch()` (the `POST`
 * is functionRoutes'). The hub listens before the session is checked, so a logout that commits
 * after the check still ends the stream.
 */
export const liveRoutes = (ctx: ServerContext): Hono =>
  new Hono()
    .get('/app/:appId/live/custom-data', async (c) => {
      if (!ctx.settings.live.enabled) throw streamsOff()
      await ctx.live.start()
      const { claims } = await liveAccess(ctx, c)
      return openCustomDataStream(ctx, c, claims)
    })
    .get('/app/:appId/functions/call', (c) => watchRoute(ctx, c))

/** The streamed function call (realm-web's `watch()`). */
export const watchRoute = async (
  ctx: ServerContext,
  c: Parameters<typeof liveAccess>[1],
): Promise<Response> => {
  if (!ctx.settings.live.enabled) throw streamsOff()
  await ctx.live.start()
  return openWatchStream(ctx, c, await liveAccess(ctx, c))
}
