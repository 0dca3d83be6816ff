import { createHash, randomBytes } from 'node:crypto'

/** A new refresh token: 256 random bits, base64url. Only its SHA-256 is ever stored. */
export const createRefreshToken = (): { token: string; hash: string } => {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashRefreshToken(token) }
}

/** The form a refresh token is stored and looked up in; a database dump holds no usable token. */
export const hashRefreshToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex')
