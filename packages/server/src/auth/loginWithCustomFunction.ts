import { ObjectId } from 'bson'
import type { ProviderConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import type { NewIdentity } from './users'

const messageOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'message' in error
    ? String(error.message)
    : String(error)

const refused = (message: string): ServiceError => new ServiceError(ErrorCode.AuthError, message)

/** Reads an auth function's answer: an id string (or ObjectId), or `{ id, name? }`. */
const readResult = (result: unknown): { id: string; name?: string } => {
  const asId = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : value instanceof ObjectId ? value.toHexString() : undefined
  const direct = asId(result)
  if (direct !== undefined) return { id: direct }
  if (typeof result === 'object' && result !== null) {
    const { id, name } = result as { id?: unknown; name?: unknown }
    const found = asId(id)
    if (found !== undefined) return typeof name === 'string' ? { id: found, name } : { id: found }
  }
  throw refused('the authentication function must return an id string or { id, name }')
}

/**
 * The `custom-function` provider: runs `config.authFunctionName` as the system user with the login
 * payload (the body without `options`); the external id it returns names the user's identity. A
 * thrown error is a 401 carrying its message, as App Services did (docs/protocol.md §13).
 */
export const customFunctionIdentity = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  body: Record<string, unknown>,
): Promise<NewIdentity> => {
  const name = provider.config.authFunctionName as string
  const { options: _options, ...payload } = body
  let result: unknown
  try {
    result = await ctx.functions.call({ name, args: [payload], user: null })
  } catch (error) {
    throw refused(messageOf(error))
  }
  const { id, name: displayName } = readResult(result)
  if (id === '' || id.length > 256) throw refused('the returned id must have 1 to 256 characters')
  return {
    providerType: 'custom-function',
    providerId: provider.name,
    externalId: id,
    ...(displayName ? { data: { name: displayName }, providerData: { name: displayName } } : {}),
  }
}
