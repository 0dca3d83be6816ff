import { ObjectId } from 'bson'
import type { Clock } from '../Clock'
import type { Queryable, Store } from '../store/Store'
import { isUniqueViolation } from '../store/isUniqueViolation'

/** One identity of a user, in the shape of `GET /auth/profile` (docs/protocol.md §5.3). */
export interface ProfileIdentity {
  id: string
  provider_type: string
  provider_id: string
  provider_data: Record<string, unknown>
}

/** The answer of `GET /auth/profile`, also sent with the login answer (docs/protocol.md §17.2). */
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
  /** The provider's own id for this identity (an email, a JWT `sub`, a random id for anonymous users). */
  readonly externalId: string
  readonly providerData?: Record<string, unknown>
  /** The user's metadata (`profile.data`): email, name, the custom JWT's metadata fields. */
  readonly data?: Record<string, unknown>
  /** `normal` for app users, `server` for the users behind server API keys. Default `normal`. */
  readonly userType?: 'normal' | 'server'
}

/** A user found or created for an identity. */
export interface UserIdentity {
  readonly userId: string
  readonly identityId: string
  /** True when this call created the user (its creation function then runs). */
  readonly created: boolean
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
    `WITH u AS (
       INSERT INTO users (id, type, data, created_at) VALUES ($1, $2, $3::jsonb, $4) RETURNING id)
     INSERT INTO identities (id, user_id, provider_type, provider_id, external_id, provider_data, created_at)
     SELECT $5, id, $6, $7, $8, $9::jsonb, $4 FROM u`,
    [
      userId,
      identity.userType ?? 'normal',
      JSON.stringify(identity.data ?? {}),
      now,
      identityId,
      identity.providerType,
      identity.providerId,
      identity.externalId,
      JSON.stringify(identity.providerData ?? {}),
    ],
  )
  return { userId, identityId }
}

/** The user of an identity (provider type and external id), or undefined when none has it. */
export const findIdentity = async (
  db: Queryable,
  providerType: string,
  externalId: string,
): Promise<{ userId: string; identityId: string } | undefined> => {
  const [row] = await db.query<{ user_id: string; id: string }>(
    'SELECT id, user_id FROM identities WHERE provider_type = $1 AND external_id = $2',
    [providerType, externalId],
  )
  return row ? { userId: row.user_id, identityId: row.id } : undefined
}

/**
 * The user behind an external identity (a custom JWT's `sub`, a custom function's id), created on
 * first sight. Two first logins racing for one identity both end with the same user, never with a
 * unique-violation error (docs/reliability.md E2). `data` refreshes the user's metadata on every login.
 */
export const findOrCreateUser = async (
  store: Store,
  clock: Clock,
  identity: NewIdentity,
): Promise<UserIdentity> => {
  const update = async (found: { userId: string; identityId: string }) => {
    if (identity.data && Object.keys(identity.data).length > 0) {
      await store.query('UPDATE users SET data = data || $2::jsonb WHERE id = $1', [
        found.userId,
        JSON.stringify(identity.data),
      ])
      await store.query('UPDATE identities SET provider_data = $2::jsonb WHERE id = $1', [
        found.identityId,
        JSON.stringify(identity.providerData ?? {}),
      ])
    }
    return { ...found, created: false }
  }
  const existing = await findIdentity(store, identity.providerType, identity.externalId)
  if (existing) return update(existing)
  try {
    return { ...(await createUser(store, clock, identity)), created: true }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    const winner = await findIdentity(store, identity.providerType, identity.externalId)
    if (!winner) throw error
    return update(winner)
  }
}

/** Which profile to read, and optionally which session of the user must be live. */
export interface ProfileQuery {
  readonly userId: string
  /** The app id, answered as `domain_id`. */
  readonly domainId: string
  readonly liveSession?: { readonly id: string; readonly now: number }
}

/** Reads a user's profile; `undefined` when the user does not exist (any more) or is disabled. */
export const readProfile = (
  db: Queryable,
  userId: string,
  domainId: string,
): Promise<UserProfile | undefined> => queryProfile(db, { userId, domainId })

/**
 * Reads a user's profile, or `undefined` when the user does not exist, is disabled, or (given
 * `liveSession`) when that session of the user is not live at `now`: one query for all of it.
 */
export const queryProfile = async (
  db: Queryable,
  { userId, domainId, liveSession }: ProfileQuery,
): Promise<UserProfile | undefined> => {
  const rows = await db.query<{
    type: string
    data: Record<string, unknown>
    identity_id: string | null
    provider_type: string | null
    provider_id: string | null
    provider_data: Record<string, unknown> | null
  }>(
    `SELECT u.type, u.data, i.id AS identity_id, i.provider_type, i.provider_id, i.provider_data
       FROM users u LEFT JOIN identities i ON i.user_id = u.id
      WHERE u.id = $1 AND NOT u.disabled${
        liveSession
          ? ` AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $2 AND s.user_id = u.id
                             AND s.revoked_at IS NULL AND s.expires_at > $3)`
          : ''
      }
      ORDER BY i.created_at, i.id`,
    liveSession ? [userId, liveSession.id, new Date(liveSession.now)] : [userId],
  )
  const [first] = rows
  if (!first) return undefined
  return {
    user_id: userId,
    domain_id: domainId,
    identities: rows.flatMap((row) =>
      row.identity_id === null
        ? []
        : [
            {
              id: row.identity_id,
              provider_type: row.provider_type ?? '',
              provider_id: row.provider_id ?? '',
              provider_data: row.provider_data ?? {},
            },
          ],
    ),
    data: first.data,
    type: first.type,
  }
}

/**
 * Deletes a user and, through the schema's cascades, its identities, sessions, API keys and
 * email/password account. Its custom-data document stays: App Services leaves app data to the app.
 */
export const deleteUser = async (db: Queryable, userId: string): Promise<boolean> => {
  const rows = await db.query('DELETE FROM users WHERE id = $1 RETURNING id', [userId])
  return rows.length > 0
}
