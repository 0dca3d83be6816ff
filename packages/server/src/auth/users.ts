import { ObjectId } from 'bson'
import type { Clock } from '../Clock'
import type { Queryable } from '../store/Store'

/** One identity of a user, in the shape of `GET /auth/profile` (PROTOCOL.md §5.3). */
export interface ProfileIdentity {
  id: string
  provider_type: string
  provider_id: string
  provider_data: Record<string, unknown>
}

/** The answer of `GET /auth/profile`, also sent with the login answer (PROTOCOL.md §17.2). */
export interface UserProfile {
  user_id: string
  domain_id: string
  identities: ProfileIdentity[]
  data: Record<string, unknown>
  type: string
}

export interface NewIdentity {
  readonly providerType: string
  readonly providerId: string
  /** The provider's own id for this identity (an email, a key id, a random id for anonymous users). */
  readonly externalId: string
  readonly providerData?: Record<string, unknown>
  readonly data?: Record<string, unknown>
}

/** Creates a user with its first identity; returns both ids. */
export const createUser = async (
  db: Queryable,
  clock: Clock,
  identity: NewIdentity,
): Promise<{ userId: string; identityId: string }> => {
  const userId = new ObjectId().toHexString()
  const identityId = new ObjectId().toHexString()
  const now = new Date(clock.now())
  await db.query(
    `INSERT INTO users (id, type, data, created_at) VALUES ($1, 'normal', $2::jsonb, $3)`,
    [userId, JSON.stringify(identity.data ?? {}), now],
  )
  await db.query(
    `INSERT INTO identities (id, user_id, provider_type, provider_id, external_id, provider_data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
    [
      identityId,
      userId,
      identity.providerType,
      identity.providerId,
      identity.externalId,
      JSON.stringify(identity.providerData ?? {}),
      now,
    ],
  )
  return { userId, identityId }
}

/** Reads a user's profile; `undefined` when the user does not exist (any more). */
export const readProfile = async (
  db: Queryable,
  userId: string,
  domainId: string,
): Promise<UserProfile | undefined> => {
  const [user] = await db.query<{ id: string; type: string; data: Record<string, unknown> }>(
    'SELECT id, type, data FROM users WHERE id = $1 AND NOT disabled',
    [userId],
  )
  if (!user) return undefined
  const identities = await db.query<{
    id: string
    provider_type: string
    provider_id: string
    provider_data: Record<string, unknown>
  }>(
    `SELECT id, provider_type, provider_id, provider_data FROM identities
      WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  )
  return {
    user_id: user.id,
    domain_id: domainId,
    identities: identities.map((row) => ({
      id: row.id,
      provider_type: row.provider_type,
      provider_id: row.provider_id,
      provider_data: row.provider_data,
    })),
    data: user.data,
    type: user.type,
  }
}
