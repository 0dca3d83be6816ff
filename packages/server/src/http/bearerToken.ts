import type { Context } from 'hono'
import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** The token of an `Authorization: Bearer <token>` header; 401 `MissingAuthReq` when there is none. */
export const bearerToken = (c: Context): string => {
  const header = c.req.header('authorization')
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
  // realm-web sends "Bearer null" for a logged-out user (docs/protocol.md §1.1): no token either.
  if (!match?.[1] || match[1] === 'null' || match[1] === 'undefined') {
    throw new ServiceError(
      ErrorCode.MissingAuthReq,
      'expected Authorization header with JWT Bearer token',
    )
  }
  return match[1]
}
