import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { LoginHandler } from '../auth/createLoginHandlers'
import { completeRedirectFlow } from '../auth/oauth/completeRedirectFlow'
import { OAuthError } from '../auth/oauth/OAuthError'
import { FLOW_LIFETIME_MS, sha256, takeFlow } from '../auth/oauth/oauthFlows'
import { redirectResultUrl } from '../auth/oauth/redirectResult'
import { startRedirectFlow } from '../auth/oauth/startRedirectFlow'
import { ErrorCode, isServiceError, ServiceError } from '../errors/ServiceError'
import { enforceRateLimit } from '../http/enforceRateLimit'
import { publicOrigin } from '../http/publicOrigin'
import type { ServerContext } from '../ServerContext'
import { providerNotFound } from './loginRoutes'
import { liveAccess } from './sessionRoutes'

const CALLBACK_PATH = '/api/client/v2.0/auth/callback'

// One cookie per flow, so that two sign-ins in two popups do not undo each other.
const cookieName = (state: string): string => `baas_oauth_${sha256(state).slice(0, 16)}`

// The callback is a top-level navigation from the provider: a Lax cookie comes along on a GET; an
// https server also sends it with Apple's cross-site form POST (SameSite=None needs Secure).
const cookieOptions = (callbackUri: string) => {
  const secure = callbackUri.startsWith('https:')
  return {
    path: CALLBACK_PATH,
    httpOnly: true,
    secure,
    sameSite: secure ? ('None' as const) : ('Lax' as const),
    maxAge: FLOW_LIFETIME_MS / 1000,
  }
}

const callbackParameters = async (c: Context): Promise<Record<string, string>> => {
  if (c.req.method === 'GET') return c.req.query()
  const form = await c.req.parseBody().catch(() => ({}))
  return Object.fromEntries(
    Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
}

const messageOf = (error: unknown): string | undefined =>
  error instanceof OAuthError || isServiceError(error) ? error.message : undefined

/**
 * The OAuth redirect flow (docs/protocol.md §3.6), as realm-web drives it:
 * - `GET /app/{appId}/auth/providers/{provider}/login?state&redirect&device`, opened in a popup,
 *   answers a redirect to the provider's page; with `link=true`, the user's access token and
 *   `providerRedirectHeader=true` (a fetch), it answers 200 with the provider's URL in
 *   `x-baas-location` (and in the body, `{ location }`, for clients that read JSON);
 * - `GET`/`POST /auth/callback` (the URL to register at the provider; Apple posts a form), where
 *   the provider sends the user back: the sign-in completes and the popup goes on to the app's
 *   redirect page with the result in its hash (`_baas_ua`, or `_baas_error`).
 */
export const oauthRoutes = (
  ctx: ServerContext,
  handlers: ReadonlyMap<string, LoginHandler>,
): Hono => {
  const callback = async (c: Context) => {
    enforceRateLimit(ctx, c, 'login')
    const params = await callbackParameters(c)
    const state = params.state
    if (!state) {
      throw new ServiceError(ErrorCode.MissingParameter, "the provider's answer has no state")
    }
    const lookup = await takeFlow(ctx.store, ctx.clock, {
      state,
      browser: getCookie(c, cookieName(state)),
    })
    if (lookup.kind === 'unknown') {
      throw new ServiceError(
        ErrorCode.InvalidParameter,
        'this sign-in is unknown to the server (an invalid state): start again from the app',
      )
    }
    if (lookup.kind === 'used') {
      throw new ServiceError(
        ErrorCode.InvalidParameter,
        'this sign-in is already complete (its state was used): start again from the app',
      )
    }
    if (lookup.kind === 'otherBrowser') {
      throw new ServiceError(
        ErrorCode.InvalidParameter,
        'this sign-in was started in another browser (its cookie is missing): start again from the app',
      )
    }
    const { flow } = lookup
    deleteCookie(c, cookieName(state), {
      path: CALLBACK_PATH,
      secure: flow.callbackUri.startsWith('https:'),
    })
    const answer = (result: { userAuth: string } | { error: string }) =>
      c.redirect(
        redirectResultUrl(flow.redirectUri, {
          appId: ctx.app.appId,
          clientState: flow.clientState,
          link: flow.linkUserId !== null,
          ...result,
        }),
        302,
      )
    if (lookup.kind === 'expired') {
      return answer({ error: 'the sign-in took longer than 10 minutes: start again' })
    }
    const oauth = handlers.get(flow.provider)?.oauth
    if (!oauth) return answer({ error: `the provider ${flow.provider} is no longer enabled` })
    if (params.error) {
      return answer({
        error: `${flow.provider} refused the sign-in: ${params.error_description ?? params.error}`,
      })
    }
    if (!params.code) return answer({ error: `${flow.provider} sent no authorization code` })
    if (!flow.rotating && !flow.linkUserId && ctx.settings.refreshTokenRotation === 'required') {
      return answer({
        error: 'this server requires refresh-token rotation, which this client did not ask for',
      })
    }
    try {
      return answer({
        userAuth: await completeRedirectFlow(
          ctx,
          { oauth, flow },
          {
            code: params.code,
            appleUser: params.user,
          },
        ),
      })
    } catch (error) {
      const message = messageOf(error)
      if (message === undefined) {
        ctx.logger.error({ err: error, provider: flow.provider }, 'an OAuth sign-in failed')
      }
      return answer({ error: message ?? 'the sign-in failed on the server: try again later' })
    }
  }

  return new Hono()
    .get('/app/:appId/auth/providers/:provider/login', async (c) => {
      const name = c.req.param('provider')
      const handler = handlers.get(name)
      if (!ctx.app.providers[name] || !handler) throw providerNotFound(name)
      if (!handler.oauth) {
        throw new ServiceError(
          ErrorCode.BadRequest,
          `${name} has no redirect flow: log in with POST and the credentials in the body`,
        )
      }
      enforceRateLimit(ctx, c, 'login')
      const linking = c.req.query('link') === 'true'
      const access = linking ? await liveAccess(ctx, c) : undefined
      const callbackUri = `${publicOrigin(c, ctx.settings)}${CALLBACK_PATH}`
      const started = await startRedirectFlow(ctx, handler.oauth, {
        clientState: c.req.query('state'),
        redirectUri: c.req.query('redirect'),
        device: c.req.query('device'),
        callbackUri,
        link: access && { userId: access.claims.sub, sessionId: access.claims.baas_id },
      }).catch((error: unknown) => {
        if (!(error instanceof OAuthError)) throw error
        throw new ServiceError(
          error.unavailable ? ErrorCode.ServiceUnavailable : ErrorCode.AuthError,
          error.message,
        )
      })
      setCookie(c, cookieName(started.state), started.browser, cookieOptions(callbackUri))
      if (linking || c.req.query('providerRedirectHeader') === 'true') {
        c.header('x-baas-location', started.authorizationUrl)
        return c.json({ location: started.authorizationUrl })
      }
      return c.redirect(started.authorizationUrl, 302)
    })
    .get('/auth/callback', callback)
    .post('/auth/callback', callback)
}
