import { createHash, randomBytes } from 'node:crypto'
import { ErrorCode, ServiceError } from '../../errors/ServiceError'
import type { ServerContext } from '../../ServerContext'
import { deviceIdOf } from '../deviceIdOf'
import type { OAuthProvider } from './createOAuthProvider'
import { startFlow } from './oauthFlows'

/** What the client asked for when it opened the sign-in (docs/protocol.md §3.6). */
export interface RedirectFlowRequest {
  /** The client's state (realm-web: 12 lowercase letters), echoed back in `_baas_state`. */
  readonly clientState: string | undefined
  /** The app's page to come back to: must be one of the provider's `redirect_uris`. */
  readonly redirectUri: string | undefined
  /** `device`: base64 of the client's device JSON (`deviceId` as hex), absent for links. */
  readonly device: string | undefined
  /** Our callback URL, as the provider must send the user back to it. */
  readonly callbackUri: string
  /** For a link: the user and session whose access token asked. */
  readonly link?: { readonly userId: string; readonly sessionId: string } | undefined
}

/** Where to send the user, and the secret the browser must show at the callback (a cookie). */
export interface StartedFlow {
  readonly authorizationUrl: string
  /** The state sent to the provider: names the flow's cookie. */
  readonly state: string
  /** The cookie's value: only the browser that started the flow can finish it. */
  readonly browser: string
}

const random = (): string => randomBytes(32).toString('base64url')
const CLIENT_STATE = /^[\w.~-]{1,128}$/

const deviceOf = (device: string | undefined): Record<string, unknown> => {
  if (!device) return {}
  try {
    const parsed: unknown = JSON.parse(Buffer.from(device, 'base64').toString('utf8'))
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    // A device that does not decode costs the session its old device id, not the sign-in.
    return {}
  }
}

/**
 * Starts a sign-in through the provider's page: checks the redirect URI against the provider's
 * allow-list (exact match, as App Services did) and the client's state, then records the flow
 * with a fresh state for the provider, a nonce and a PKCE verifier, and answers the provider's
 * authorization URL.
 */
export const startRedirectFlow = async (
  ctx: ServerContext,
  oauth: OAuthProvider,
  request: RedirectFlowRequest,
): Promise<StartedFlow> => {
  const { provider } = oauth.settings
  const { clientState, redirectUri } = request
  if (!clientState || !CLIENT_STATE.test(clientState)) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      'expected "state": 1 to 128 letters, digits, "-", "_", "." or "~"',
    )
  }
  if (!redirectUri) {
    throw new ServiceError(
      ErrorCode.MissingParameter,
      'expected "redirect": the page to come back to',
    )
  }
  if (!provider.redirectUris.includes(redirectUri)) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      `redirect URI "${redirectUri}" is not allowed: add it to "redirect_uris" of ${provider.name} in auth/providers.json (compared exactly)`,
    )
  }
  const device = deviceOf(request.device)
  const state = random()
  const codeVerifier = random()
  const nonce = random()
  const browser = random()
  const authorizationUrl = await oauth.authorizationUrl({
    callbackUri: request.callbackUri,
    state,
    nonce,
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
  })
  await startFlow(ctx.store, ctx.clock, {
    state,
    browser,
    flow: {
      provider: provider.name,
      clientState,
      redirectUri,
      callbackUri: request.callbackUri,
      codeVerifier,
      nonce,
      deviceId: deviceIdOf({ options: { device } }),
      rotating: device.refreshTokenRotation === true,
      linkUserId: request.link?.userId ?? null,
      linkSessionId: request.link?.sessionId ?? null,
    },
  })
  return { authorizationUrl, state, browser }
}
