import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ObjectId } from 'bson'
import type { Clock } from '../Clock'
import type { Queryable } from '../store/Store'

export type UserpassTokenPurpose = 'confirm' | 'reset'

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest()

/** Issues a confirmation or reset token: `token` (256 random bits, hex) and its `tokenId`. */
export const issueUserpassToken = async (
  db: Queryable,
  clock: Clock,
  input: { email: string; purpose: UserpassTokenPurpose; lifetimeSeconds: number },
): Promise<{ token: string; tokenId: string }> => {
  const token = randomBytes(32).toString('hex')
  const tokenId = new ObjectId().toHexString()
  const now = clock.now()
  await db.query(
    `INSERT INTO userpass_tokens (id, email, purpose, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      tokenId,
      input.email,
      input.purpose,
      sha256(token).toString('hex'),
      new Date(now),
      new Date(now + input.lifetimeSeconds * 1000),
    ],
  )
  return { token, tokenId }
}

/**
 * Uses a token once: answers its email when `token` matches `tokenId`, has this purpose, is unused
 * and unexpired (App Services: 30 minutes); undefined otherwise.
 */
export const consumeUserpassToken = async (
  db: Queryable,
  clock: Clock,
  input: { tokenId: string; token: string; purpose: UserpassTokenPurpose },
): Promise<string | undefined> => {
  const [row] = await db.query<{ email: string; token_hash: string }>(
    `SELECT email, token_hash FROM userpass_tokens
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
  return used.length > 0 ? row.email : undefined
}
