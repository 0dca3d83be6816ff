import { fromBase64 } from './Binary'

/** The claims of an access token the client holds (PROTOCOL.md §12.1, §17.5). */
export interface AccessTokenPayload {
  sub: string
  exp: number
  iat: number
  baas_id?: string
  baas_device_id?: string
  user_data?: unknown
  user_data_omitted?: boolean
  [claim: string]: unknown
}

/**
 * Reads a JWT's payload without verifying it: the client trusts the server it got the token
 * from; the server verifies every token it receives.
 */
export const decodeJwtPayload = (token: string): AccessTokenPayload => {
  const [, part = ''] = token.split('.')
  const bytes = fromBase64(part.replace(/-/g, '+').replace(/_/g, '/'))
  const payload = JSON.parse(new TextDecoder().decode(bytes)) as AccessTokenPayload
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number')
    throw new TypeError('A token needs numeric exp and iat claims')
  return payload
}
