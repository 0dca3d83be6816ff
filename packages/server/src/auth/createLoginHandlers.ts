import { randomUUID } from 'node:crypto'
import type { ProviderConfig } from '../appFolder/AppConfig'
import { AppFolderError } from '../appFolder/readJsonFile'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { requireString } from './checkCredentialsInput'
import { createCustomTokenVerifier } from './createCustomTokenVerifier'
import type { LoginSubject } from './LoginSubject'
import { loginWithApiKey } from './loginWithApiKey'
import { customFunctionIdentity } from './loginWithCustomFunction'
import { loginWithPassword } from './loginWithPassword'
import { cannotLink, linkIdentity, linkUserpassAccount } from './linkIdentity'
import { createOAuthProvider, type OAuthProvider } from './oauth/createOAuthProvider'
import { OAuthError } from './oauth/OAuthError'
import { oauthSettings } from './oauth/oauthSettings'
import { createUser, findOrCreateUser, type NewIdentity } from './users'
import { userpassConfig } from './userpassConfig'

/** One provider's credentials checks: for a login, and for a link (`?link=true`). */
export interface LoginHandler {
  /** Checks the credentials in a login body and names the user they let in. */
  readonly logIn: (body: Record<string, unknown>) => Promise<LoginSubject>
  /** Checks the credentials in a login body and adds their identity to the user `userId`. */
  readonly link: (body: Record<string, unknown>, userId: string) => Promise<void>
  /** OAuth providers: the redirect flow (routes/oauthRoutes.ts). */
  readonly oauth?: OAuthProvider
}

// Credentials that name an external identity: found or created at login, added at link.
const external = (
  ctx: ServerContext,
  identityOf: (body: Record<string, unknown>) => Promise<NewIdentity>,
): Pick<LoginHandler, 'logIn' | 'link'> => ({
  logIn: async (body) => findOrCreateUser(ctx.store, ctx.clock, await identityOf(body)),
  link: async (body, userId) => {
    await linkIdentity(ctx, userId, await identityOf(body))
  },
})

// An OAuth provider's refusal (a tampered token, an unreachable provider) as App Services' answer.
const oauthRefusal = (error: unknown): never => {
  if (!(error instanceof OAuthError)) throw error
  throw new ServiceError(
    error.unavailable ? ErrorCode.ServiceUnavailable : ErrorCode.AuthError,
    error.message,
  )
}

const requireFunction = (ctx: ServerContext, provider: ProviderConfig, key: string): void => {
  const name = provider.config[key]
  if (typeof name !== 'string' || name === '' || !ctx.functions.has(name)) {
    throw new AppFolderError(
      `auth/providers.json ("${provider.name}"): "${key}" must name a function of functions/ (got ${JSON.stringify(name)}).`,
    )
  }
}

const handlerFor = async (ctx: ServerContext, provider: ProviderConfig): Promise<LoginHandler> => {
  switch (provider.type) {
    case 'anon-user':
      return {
        logIn: async () => ({
          ...(await createUser(ctx.store, ctx.clock, {
            providerType: 'anon-user',
            providerId: provider.name,
            externalId: randomUUID(),
          })),
          created: true,
          anonymous: true,
        }),
        link: () => Promise.reject(cannotLink('linking an anonymous identity is not allowed')),
      }
    case 'local-userpass': {
      const config = userpassConfig(provider)
      if (config.runConfirmationFunction) requireFunction(ctx, provider, 'confirmationFunctionName')
      if (config.runResetFunction) requireFunction(ctx, provider, 'resetFunctionName')
      return {
        logIn: (body) => loginWithPassword(ctx, body),
        link: async (body, userId) =>
          linkUserpassAccount(ctx.store, userId, await loginWithPassword(ctx, body)),
      }
    }
    case 'api-key':
      return {
        logIn: (body) => loginWithApiKey(ctx, body),
        link: () => Promise.reject(cannotLink('invalid user link request')),
      }
    case 'custom-function':
      requireFunction(ctx, provider, 'authFunctionName')
      return external(ctx, (body) => customFunctionIdentity(ctx, provider, body))
    case 'custom-token': {
      const verify = await createCustomTokenVerifier(provider, {
        secret: (name) => ctx.secret(name),
        clock: ctx.clock,
      })
      return external(ctx, async (body) => {
        const token = requireString(body, 'token')
        let identity
        try {
          identity = await verify(token)
        } catch (error) {
          // The verifier says what was wrong (malformed, expired, wrong audience, unknown key).
          throw new ServiceError(
            ErrorCode.AuthError,
            `invalid custom auth token: ${(error as Error).message}`,
          )
        }
        return {
          providerType: 'custom-token',
          providerId: provider.name,
          externalId: identity.externalId,
          data: identity.data,
          providerData: identity.data,
        }
      })
    }
    case 'oauth2-google':
    case 'oauth2-apple':
    case 'oauth2-facebook':
    case 'oauth2-oidc': {
      const oauth = createOAuthProvider(
        oauthSettings(provider, (name) => ctx.secret(name)),
        ctx.clock,
      )
      return {
        ...external(ctx, (body) => oauth.identityFromCredentials(body).catch(oauthRefusal)),
        oauth,
      }
    }
    default:
      throw new AppFolderError(
        `auth/providers.json ("${provider.name}"): unsupported type "${provider.type}".`,
      )
  }
}

/**
 * One login handler per enabled provider, built at start-up so that a misconfigured provider (a
 * missing signing key, a function that does not exist) stops the server with a clear message
 * instead of failing its first login.
 */
export const createLoginHandlers = async (
  ctx: ServerContext,
): Promise<ReadonlyMap<string, LoginHandler>> => {
  const handlers = new Map<string, LoginHandler>()
  for (const provider of Object.values(ctx.app.providers)) {
    if (provider.disabled) continue
    handlers.set(provider.name, await handlerFor(ctx, provider))
  }
  return handlers
}
