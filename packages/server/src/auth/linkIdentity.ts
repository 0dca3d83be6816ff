import type { Clock } from '../Clock'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Store } from '../store/Store'
import { isUniqueViolation } from '../store/isUniqueViolation'
import { ObjectId } from 'bson'
import type { NewIdentity } from './users'

/**
 * App Services' answer when the identity being linked belongs to another user (its code and text,
 * as realm-core's and the .NET SDK's tests expect them). App Services sent it with status 401,
 * which realm-web 2.0.1 answers by refreshing the token and sending the link again, forever
 * (docs/protocol.md §9.2): it is answered 409 here.
 */
export const identityInUse = (): ServiceError =>
  new ServiceError(
    ErrorCode.InvalidSession,
    'a user already exists with the specified provider',
  ).withStatus(409)

/** App Services' answer for credentials that can never be linked (anonymous, API keys). */
export const cannotLink = (message: string): ServiceError =>
  new ServiceError(ErrorCode.BadRequest, message)

/**
 * Adds an external identity (a custom JWT's, an auth function's, an OAuth provider's) to `userId`,
 * and its metadata to the user's profile data. Linking an identity the user already has changes
 * nothing; one that belongs to another user is refused, whatever that user is: identities are
 * created only by a login, so their user has logged in and has data of its own.
 */
export const linkIdentity = (
  { store, clock }: { readonly store: Store; readonly clock: Clock },
  userId: string,
  identity: NewIdentity,
): Promise<string> => {
  const attempt = (retry: boolean): Promise<string> =>
    store
      .transaction(async (tx) => {
        const [existing] = await tx.query<{ id: string; user_id: string }>(
          'SELECT id, user_id FROM identities WHERE provider_type = $1 AND external_id = $2',
          [identity.providerType, identity.externalId],
        )
        if (existing && existing.user_id !== userId) throw identityInUse()
        const identityId = existing?.id ?? new ObjectId().toHexString()
        if (!existing) {
          await tx.query(
            `INSERT INTO identities (id, user_id, provider_type, provider_id, external_id, provider_data, created_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
            [
              identityId,
              userId,
              identity.providerType,
              identity.providerId,
              identity.externalId,
              JSON.stringify(identity.providerData ?? {}),
              new Date(clock.now()),
            ],
          )
        }
        if (identity.data && Object.keys(identity.data).length > 0) {
          await tx.query('UPDATE users SET data = data || $2::jsonb WHERE id = $1', [
            userId,
            JSON.stringify(identity.data),
          ])
        }
        return identityId
      })
      .catch((error: unknown) => {
        // A login or link created the identity between the look-up and the insert: look again.
        if (retry && isUniqueViolation(error)) return attempt(false)
        throw error
      })
  return attempt(true)
}

/**
 * Moves a confirmed email/password account to `userId`. App Services created an email/password
 * user at its first login; this server creates it when the account is confirmed. So an account
 * whose user never logged in (and has nothing else) is free to join another user, as App
 * Services allowed (realm-web's own test registers an address and links it to an anonymous user
 * at once); that placeholder user is then deleted. Anyone else's account is refused, as is a
 * second email/password identity for one user.
 */
export const linkUserpassAccount = (
  store: Store,
  userId: string,
  account: { userId: string; identityId: string | null },
): Promise<void> =>
  store.transaction(async (tx) => {
    if (account.userId === userId) return
    const [own] = await tx.query(
      `SELECT 1 FROM identities WHERE user_id = $1 AND provider_type = 'local-userpass'`,
      [userId],
    )
    if (own) {
      throw cannotLink(
        'linking a local-userpass identity is not allowed when one is already linked',
      )
    }
    const [holder] = await tx.query<{ last_login_at: Date | null; others: number; keys: number }>(
      `SELECT u.last_login_at,
              (SELECT count(*)::int FROM identities i WHERE i.user_id = u.id) AS others,
              (SELECT count(*)::int FROM api_keys k WHERE k.user_id = u.id) AS keys
         FROM users u WHERE u.id = $1 FOR UPDATE`,
      [account.userId],
    )
    if (!holder || holder.last_login_at !== null || holder.others !== 1 || holder.keys !== 0) {
      throw identityInUse()
    }
    await tx.query('UPDATE identities SET user_id = $2 WHERE user_id = $1', [
      account.userId,
      userId,
    ])
    await tx.query('UPDATE userpass_accounts SET user_id = $2 WHERE user_id = $1', [
      account.userId,
      userId,
    ])
    await tx.query(
      `UPDATE users SET data = data || (SELECT data FROM users WHERE id = $1) WHERE id = $2`,
      [account.userId, userId],
    )
    await tx.query('DELETE FROM users WHERE id = $1', [account.userId])
  })
