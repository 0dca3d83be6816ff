import type { Clock } from '../Clock'
import type { Queryable, Store } from '../store/Store'
import { createUser } from './users'

/** A local-userpass account; `user_id` is null while it waits for confirmation. */
export interface UserpassAccount {
  email: string
  password_hash: string
  user_id: string | null
}

export const findAccount = async (
  db: Queryable,
  email: string,
): Promise<UserpassAccount | undefined> => {
  const [row] = await db.query<UserpassAccount>(
    'SELECT email, password_hash, user_id FROM userpass_accounts WHERE email = $1',
    [email],
  )
  return row
}

/** Inserts a pending account; false when the email is taken (a concurrent twin never errors). */
export const insertPendingAccount = async (
  db: Queryable,
  clock: Clock,
  input: { email: string; passwordHash: string },
): Promise<boolean> => {
  const rows = await db.query(
    `INSERT INTO userpass_accounts (email, password_hash, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (email) DO NOTHING RETURNING email`,
    [input.email, input.passwordHash, new Date(clock.now())],
  )
  return rows.length > 0
}

/**
 * Confirms a pending account: creates its user and identity (App Services creates the user only
 * now), and sets `passwordHash` when given (the password of the registration being confirmed).
 * Answers the new user's id, or undefined when the account was not pending.
 */
export const confirmAccount = (
  store: Store,
  clock: Clock,
  input: { email: string; providerName: string; passwordHash?: string | null },
): Promise<{ userId: string; identityId: string } | undefined> =>
  store.transaction(async (tx) => {
    const [pending] = await tx.query(
      'SELECT email FROM userpass_accounts WHERE email = $1 AND user_id IS NULL FOR UPDATE',
      [input.email],
    )
    if (!pending) return undefined
    const created = await createUser(tx, clock, {
      providerType: 'local-userpass',
      providerId: input.providerName,
      externalId: input.email,
      providerData: { email: input.email },
      data: { email: input.email },
    })
    await tx.query(
      `UPDATE userpass_accounts SET user_id = $2, confirmed_at = $3,
              password_hash = COALESCE($4, password_hash)
        WHERE email = $1`,
      [input.email, created.userId, new Date(clock.now()), input.passwordHash ?? null],
    )
    return created
  })

export const setPasswordHash = async (
  db: Queryable,
  email: string,
  passwordHash: string,
): Promise<void> => {
  await db.query('UPDATE userpass_accounts SET password_hash = $2 WHERE email = $1', [
    email,
    passwordHash,
  ])
}

export const deleteAccount = async (db: Queryable, email: string): Promise<void> => {
  await db.query('DELETE FROM userpass_accounts WHERE email = $1 AND user_id IS NULL', [email])
}

/** The identity id of a confirmed account's user, for the session it opens. */
export const identityOfAccount = async (db: Queryable, email: string): Promise<string | null> => {
  const [row] = await db.query<{ id: string }>(
    `SELECT id FROM identities WHERE provider_type = 'local-userpass' AND external_id = $1`,
    [email],
  )
  return row?.id ?? null
}
