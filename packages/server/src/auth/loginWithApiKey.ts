import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { findApiKey } from './apiKeys'
import { requireString } from './checkCredentialsInput'
import type { LoginSubject } from './LoginSubject'

/** The `api-key` provider: a user API key or a server API key in `key` (docs/protocol.md §3.2). */
export const loginWithApiKey = async (
  ctx: ServerContext,
  body: Record<string, unknown>,
): Promise<LoginSubject> => {
  const key = requireString(body, 'key')
  const found = key.length <= 256 ? await findApiKey(ctx.store, key) : undefined
  if (!found) throw new ServiceError(ErrorCode.InvalidPassword, 'invalid API key')
  const [identity] = await ctx.store.query<{ id: string }>(
    `SELECT id FROM identities WHERE user_id = $1 AND provider_type = 'api-key' LIMIT 1`,
    [found.userId],
  )
  return { userId: found.userId, identityId: identity?.id ?? null, created: false }
}
