import { Hono } from 'hono'
import { publicOrigin } from '../http/publicOrigin'
import type { ServerContext } from '../ServerContext'
import { listTriggerStates } from '../triggers/triggerAdmin'

/** Location discovery (docs/protocol.md §2), the JWKS (§17.5) and the health routes (§17.6). */
export const metaRoutes = (ctx: ServerContext): Hono =>
  new Hono()
    .get('/api/client/v2.0/app/:appId/location', (c) => {
      const origin = publicOrigin(c, ctx.settings)
      return c.json({
        deployment_model: 'GLOBAL',
        location: 'US-VA',
        hostname: origin,
        ws_hostname: origin.replace(/^http/, 'ws'),
      })
    })
    .get('/.well-known/jwks.json', (c) => c.json(ctx.tokens.jwks()))
    .get('/health/alive', (c) => c.json({ status: 'ok' }))
    .get('/health/ready', async (c) => {
      const ready = await ctx.store.ping().catch(() => false)
      if (!ready) return c.json({ status: 'unavailable' }, 503)
      if (ctx.app.triggers.length === 0) return c.json({ status: 'ok' })
      // Each trigger's backlog: a lag that grows says its events wait (failed, or too slow).
      const triggers = await listTriggerStates(ctx.store).catch(() => null)
      return c.json({
        status: 'ok',
        triggers: triggers?.map(({ name, pending, failed, lagSeconds }) => ({
          name,
          pending,
          failed,
          lagSeconds,
        })),
      })
    })
