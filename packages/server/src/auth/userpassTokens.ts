import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ObjectId } from 'bson'
import type { Clock } from '../Clock'
import type { Queryable } from '../store/Store'

export type UserpassTokenPurpose = 'confirm' | 'reset'

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest()

/** A used token: its account, and the password hash of the registration it confirms, if any. */
export interface ConsumedUserpassToken {
  readonly email: string
  readonly passwordHash: string | null
}

/**
 * Issues a confirmation or reset token: `token` (256 random bits, hex) and its `tokenId`. A
 * confirmation token may carry the password hash of the registration that asked for it.
 */
export const issueUserpassToken = async (
  db: Queryable,
  clock: Clock,
  input: {
    email: string
    purpose: UserpassTokenPurpose
    lifetimeSeconds: number
    passwordHash?: string
  },
): Promise<{ token: string; tokenId: string }> => {
  const token = randomBytes(32).toString('hex')
  const tokenId = new ObjectId().toHexString()
  const now = clock.now()
  await db.query(
    `INSERT INTO userpass_tokens (id, email, purpose, token_hash, created_at, expires_at, password_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      tokenId,
      input.email,
      input.purpose,
      sha256(token).toString('hex'),
      new Date(now),
      new Date(now + input.lifetimeSeconds * 1000),
      input.passwordHash ?? null,
    ],
  )
  return { token, tokenId }
}

/**
 * Uses a token once: answers its email (and password hash) when `token` matches `tokenId`, has
 * this purpose, is unused and unexpired (App Services: 30 minutes); undefined otherwise.
 */
export const consumeUserpassToken = async (
  db: Queryable,
  clock: Clock,
  input: { tokenId: string; token: string; purpose: UserpassTokenPurpose },
): Promise<ConsumedUserpassToken | undefined> => {
  const [row] = await db.query<{ email: string; token_hash: string; password_hash: string | null }>(
    `SELECT email, token_hash, password_hash FROM userpass_tokens
      WHERE id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
    [input.tokenId, input.purpose, new Date(clock.now())],
  )
  if (!row) return undefined
  const expected = Buffer.from(row.token_hash, 'hex')
  if (!timingSafeEqual(expected, sha256(input.token))) return undefined
  const used = await db.query(
    'UPDATE userpass_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id',
    [input.tokenId, new Date(clock.now())],
  )
  return used.length > 0 ? { email: row.email, passwordHash: row.password_hash } : undefined
}
