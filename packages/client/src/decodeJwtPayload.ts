import { apiError } from './ApiError'
import { fromBase64 } from './Binary'

/** The claims of an access token the client holds (docs/protocol.md §12.1, §17.5). */
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
 *
 * @throws ApiError `InvalidResponse` for anything but a JWT with numeric `exp` and `iat`: a
 * server's malformed token fails a login or refresh with the client's one error class.
 */
export const decodeJwtPayload = (token: string): AccessTokenPayload => {
  let payload: Partial<AccessTokenPayload> | null = null
  try {
    const [, part = ''] = token.split('.')
    const bytes = fromBase64(part.replace(/-/g, '+').replace(/_/g, '/'))
    payload = JSON.parse(new TextDecoder().decode(bytes)) as Partial<AccessTokenPayload> | null
  } catch {
    // Not base64 or not JSON: refused below like any other malformed token.
  }
  if (typeof payload?.exp !== 'number' || typeof payload.iat !== 'number')
    throw apiError('InvalidResponse', 'Malformed token: a JWT with numeric exp and iat expected')
  return payload as AccessTokenPayload
}
