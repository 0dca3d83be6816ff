const decodeBase64Url = (segment: string): string => {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}

/** The claims of an access token the client holds (PROTOCOL.md §12.1). */
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
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1])
    throw new Error('an access token has three dot-separated parts')
  const payload = JSON.parse(decodeBase64Url(parts[1])) as AccessTokenPayload
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') {
    throw new Error('an access token needs numeric exp and iat claims')
  }
  return payload
}
