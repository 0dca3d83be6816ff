import { createHash, createHmac, randomBytes } from 'node:crypto'

/** A new refresh token: 256 random bits, base64url. Only its SHA-256 is ever stored. */
export const createRefreshToken = (): { token: string; hash: string } => {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashRefreshToken(token) }
}

/** The form a refresh token is stored and looked up in; a database dump holds no usable token. */
export const hashRefreshToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex')

/**
 * The token that follows `token` when a rotating session refreshes (docs/protocol.md §17.1): an HMAC of
 * it under the server's rotation secret. Being derived, not drawn, the successor never has to be
 * stored in clear, yet every presentation of `token` inside the grace window answers the same one;
 * and without the secret nobody can compute it, so a stolen token still has to be presented (and
 * its reuse seen) to get further.
 */
export const successorOf = (token: string, secret: Buffer): string =>
  createHmac('sha256', secret).update(token).digest('base64url')
