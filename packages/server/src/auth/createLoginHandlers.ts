import { randomUUID } from 'node:crypto'
import type { ProviderConfig } from '../appFolder/AppConfig'
import { AppFolderError } from '../appFolder/readJsonFile'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { requireString } from './checkCredentialsInput'
import { createCustomTokenVerifier } from './createCustomTokenVerifier'
import type { LoginSubject } from './LoginSubject'
import { loginWithApiKey } from './loginWithApiKey'
import { loginWithCustomFunction } from './loginWithCustomFunction'
import { loginWithPassword } from './loginWithPassword'
import { createUser, findOrCreateUser } from './users'
import { userpassConfig } from './userpassConfig'

/** Checks one provider's credentials in a login body and names the user they let in. */
export type LoginHandler = (body: Record<string, unknown>) => Promise<LoginSubject>

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
      return async () => ({
        ...(await createUser(ctx.store, ctx.clock, {
          providerType: 'anon-user',
          providerId: provider.name,
          externalId: randomUUID(),
        })),
        created: true,
        anonymous: true,
      })
    case 'local-userpass': {
      const config = userpassConfig(provider)
      if (config.runConfirmationFunction) requireFunction(ctx, provider, 'confirmationFunctionName')
      if (config.runResetFunction) requireFunction(ctx, provider, 'resetFunctionName')
      return (body) => loginWithPassword(ctx, body)
    }
    case 'api-key':
      return (body) => loginWithApiKey(ctx, body)
    case 'custom-function':
      requireFunction(ctx, provider, 'authFunctionName')
      return (body) => loginWithCustomFunction(ctx, provider, body)
    case 'custom-token': {
      const verify = await createCustomTokenVerifier(provider, {
        secret: (name) => ctx.secret(name),
        clock: ctx.clock,
      })
      return async (body) => {
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
        return findOrCreateUser(ctx.store, ctx.clock, {
          providerType: 'custom-token',
          providerId: provider.name,
          externalId: identity.externalId,
          data: identity.data,
          providerData: identity.data,
        })
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
