import type { Context } from 'hono'
import type { EndpointConfig, ProviderConfig } from '../appFolder/AppConfig'
import {
  createCustomTokenVerifier,
  type CustomTokenVerifier,
} from '../auth/createCustomTokenVerifier'
import { loginWithApiKey } from '../auth/loginWithApiKey'
import { loginWithPassword } from '../auth/loginWithPassword'
import { onUserCreated } from '../auth/onUserCreated'
import { invalidSession } from '../auth/refreshSession'
import { findIdentity, findOrCreateUser } from '../auth/users'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { FunctionUser } from '../functions/FunctionRunner'
import { bearerToken } from '../http/bearerToken'
import { enforceRateLimit } from '../http/enforceRateLimit'
import type { ServerContext } from '../ServerContext'
import { endpointUserOf } from './endpointUserOf'

/** The credentials an application-authenticated endpoint request carries (one kind only). */
export type EndpointCredentials =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'apiKey'; readonly key: string }
  | { readonly kind: 'password'; readonly email: string; readonly password: string }
  | { readonly kind: 'jwt'; readonly token: string }

/** Request headers that carry credentials: taken by the server, never shown to the function. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'apikey',
  'api-key',
  'email',
  'password',
  'jwttokenstring',
])

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/**
 * Reads App Services' endpoint credentials (data-api/custom-endpoints, "Authenticate the
 * Request"): `Authorization: Bearer <access token>`, `apiKey`, `email` with `password`, or
 * `jwtTokenString` (a custom JWT), from the headers, or for webhooks also from a JSON body's
 * fields (`email`/`password`, `api-key`, `jwtTokenString`; not both places at once, as App
 * Services refused). None: 401 `MissingAuthReq`.
 */
export const credentialsOf = (
  c: Context,
  bodyFields: Readonly<Record<string, unknown>> | undefined,
): EndpointCredentials => {
  const found: EndpointCredentials[] = []
  const read = (source: (name: string) => unknown): void => {
    const authorization = text(source('authorization'))
    if (authorization) found.push({ kind: 'bearer', token: bearerToken(c) })
    const key = text(source('apiKey')) ?? text(source('api-key'))
    if (key) found.push({ kind: 'apiKey', key })
    const email = text(source('email'))
    const password = text(source('password'))
    if (email && password) found.push({ kind: 'password', email, password })
    const jwt = text(source('jwtTokenString'))
    if (jwt) found.push({ kind: 'jwt', token: jwt })
  }
  read((name) => c.req.header(name))
  const inHeaders = found.length
  if (bodyFields) read((name) => (name === 'authorization' ? undefined : bodyFields[name]))
  if (inHeaders > 0 && found.length > inHeaders) {
    throw new ServiceError(
      ErrorCode.BadRequest,
      'send the credentials in the headers or in the body, not in both',
    )
  }
  const [first] = found
  if (!first) {
    throw new ServiceError(
      ErrorCode.MissingAuthReq,
      'this endpoint needs credentials: Authorization: Bearer <access token>, apiKey, email and password, or jwtTokenString',
    )
  }
  if (found.length > 1) {
    throw new ServiceError(ErrorCode.BadRequest, 'send one kind of credentials, not several')
  }
  return first
}

const enabledProvider = (ctx: ServerContext, type: string): ProviderConfig => {
  const provider = Object.values(ctx.app.providers).find(
    (candidate) => candidate.type === type && !candidate.disabled,
  )
  if (!provider) {
    throw new ServiceError(
      ErrorCode.ProviderNotFound,
      `authentication via '${type}' is unsupported`,
    )
  }
  return provider
}

/**
 * Checks application credentials for endpoints: the same providers and checks as logins (for
 * passwords the login rate limit and the backoff, disabled users), without opening a session. A custom JWT of an
 * identity not seen before makes a user only with `create_user_on_auth`.
 */
export const createEndpointAuthenticator = (ctx: ServerContext) => {
  const verifiers = new Map<string, Promise<CustomTokenVerifier>>()
  const verifierOf = (provider: ProviderConfig): Promise<CustomTokenVerifier> => {
    let verifier = verifiers.get(provider.name)
    if (!verifier) {
      verifier = createCustomTokenVerifier(provider, {
        secret: (name) => ctx.secret(name),
        clock: ctx.clock,
      })
      verifiers.set(provider.name, verifier)
    }
    return verifier
  }

  const userIdOf = async (
    c: Context,
    credentials: EndpointCredentials,
    endpoint: EndpointConfig,
  ): Promise<{ userId: string; sessionId?: string }> => {
    if (credentials.kind === 'bearer') {
      const claims = await ctx.tokens.verifyAccessToken(credentials.token)
      return { userId: claims.sub, sessionId: claims.baas_id }
    }
    if (credentials.kind === 'apiKey') {
      enabledProvider(ctx, 'api-key')
      return loginWithApiKey(ctx, { key: credentials.key })
    }
    if (credentials.kind === 'password') {
      // Passwords can be guessed: the login limits apply. API keys (256 random bits) and signed
      // tokens cannot, and a service calling an endpoint with its key must not hit a login limit.
      enforceRateLimit(ctx, c, 'login')
      enabledProvider(ctx, 'local-userpass')
      return loginWithPassword(ctx, { username: credentials.email, password: credentials.password })
    }
    const provider = enabledProvider(ctx, 'custom-token')
    let identity
    try {
      identity = await (await verifierOf(provider))(credentials.token)
    } catch (error) {
      throw new ServiceError(
        ErrorCode.AuthError,
        `invalid custom auth token: ${(error as Error).message}`,
      )
    }
    if (!endpoint.createUserOnAuth) {
      const known = await findIdentity(ctx.store, 'custom-token', identity.externalId)
      if (!known) {
        throw new ServiceError(
          ErrorCode.AuthError,
          'no user has this identity yet: log in once first (this endpoint does not create users; see create_user_on_auth)',
        )
      }
      return { userId: known.userId }
    }
    const found = await findOrCreateUser(ctx.store, ctx.clock, {
      providerType: 'custom-token',
      providerId: provider.name,
      externalId: identity.externalId,
      data: identity.data,
      providerData: identity.data,
    })
    if (found.created) await onUserCreated(ctx, found.userId)
    return { userId: found.userId }
  }

  /** The user application credentials name, as `context.user`. */
  return async (
    c: Context,
    credentials: EndpointCredentials,
    endpoint: EndpointConfig,
  ): Promise<FunctionUser> => {
    const { userId, sessionId } = await userIdOf(c, credentials, endpoint)
    const user = await endpointUserOf(ctx, {
      userId,
      fetchCustomData: endpoint.fetchCustomUserData,
      ...(sessionId ? { liveSession: { id: sessionId } } : {}),
    })
    if (!user) {
      if (sessionId) throw invalidSession()
      throw new ServiceError(ErrorCode.UserDisabled, 'user disabled')
    }
    return user
  }
}
