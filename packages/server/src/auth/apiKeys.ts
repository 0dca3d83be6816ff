import { createHash, randomBytes } from 'node:crypto'
import { ObjectId } from 'bson'
import type { Clock } from '../Clock'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Queryable, Store } from '../store/Store'
import { createUser } from './users'
import { isUniqueViolation } from '../store/isUniqueViolation'

/** An API key as the key routes answer it (docs/protocol.md §6); `key` only when just created. */
export interface ApiKeyView {
  _id: string
  name: string
  disabled: boolean
  key?: string
}

/** The most user API keys one user may own, as App Services. */
export const MAX_KEYS_PER_USER = 20

const NAME = /^[A-Za-z0-9 _.-]{1,64}$/

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex')

const checkName = (name: unknown): string => {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      'an API key needs a "name" of 1 to 64 letters, digits, spaces, ".", "_" or "-"',
    )
  }
  return name
}

/**
 * Inserts a new key for a user, inside the caller's transaction. The owner's row is locked first:
 * under READ COMMITTED, creations racing each other would all count 19 keys and all insert.
 */
const insertApiKey = async (
  tx: Queryable,
  clock: Clock,
  input: { userId: string; name: unknown },
): Promise<ApiKeyView> => {
  const name = checkName(input.name)
  const id = new ObjectId().toHexString()
  const key = randomBytes(48).toString('base64url')
  let rows: unknown[]
  try {
    await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [input.userId])
    rows = await tx.query(
      `INSERT INTO api_keys (id, user_id, name, key_hash, created_at)
       SELECT $1, $2, $3, $4, $5
        WHERE (SELECT count(*) FROM api_keys WHERE user_id = $2) < $6
       RETURNING id`,
      [id, input.userId, name, hashKey(key), new Date(clock.now()), MAX_KEYS_PER_USER],
    )
  } catch (error) {
    // Two creations with one name racing: the loser answers like any duplicate (docs/reliability.md E2).
    if (isUniqueViolation(error)) {
      throw new ServiceError(ErrorCode.APIKeyAlreadyExists, `API key '${name}' already exists`)
    }
    throw error
  }
  if (rows.length === 0) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      `a user may have at most ${MAX_KEYS_PER_USER} API keys`,
    )
  }
  return { _id: id, key, name, disabled: false }
}

/**
 * Stores a new key for a user (at most `MAX_KEYS_PER_USER`); answers it with its secret, the only
 * time the secret exists.
 */
export const createApiKey = (
  store: Store,
  clock: Clock,
  input: { userId: string; name: unknown },
): Promise<ApiKeyView> => store.transaction((tx) => insertApiKey(tx, clock, input))

export const listApiKeys = (db: Queryable, userId: string): Promise<ApiKeyView[]> =>
  db.query<ApiKeyView>(
    'SELECT id AS "_id", name, disabled FROM api_keys WHERE user_id = $1 ORDER BY created_at, id',
    [userId],
  )

const notFound = (keyId: string): ServiceError =>
  new ServiceError(ErrorCode.APIKeyNotFound, `API key not found: '${keyId}'`)

export const getApiKey = async (
  db: Queryable,
  input: { userId: string; keyId: string },
): Promise<ApiKeyView> => {
  const [row] = await db.query<ApiKeyView>(
    'SELECT id AS "_id", name, disabled FROM api_keys WHERE user_id = $1 AND id = $2',
    [input.userId, input.keyId],
  )
  if (!row) throw notFound(input.keyId)
  return row
}

export const deleteApiKey = async (
  db: Queryable,
  input: { userId: string; keyId: string },
): Promise<void> => {
  const rows = await db.query('DELETE FROM api_keys WHERE user_id = $1 AND id = $2 RETURNING id', [
    input.userId,
    input.keyId,
  ])
  if (rows.length === 0) throw notFound(input.keyId)
}

export const setApiKeyDisabled = async (
  db: Queryable,
  input: { userId: string; keyId: string; disabled: boolean },
): Promise<void> => {
  const rows = await db.query(
    'UPDATE api_keys SET disabled = $3 WHERE user_id = $1 AND id = $2 RETURNING id',
    [input.userId, input.keyId, input.disabled],
  )
  if (rows.length === 0) throw notFound(input.keyId)
}

/** The enabled key with this secret and its owner, for the `api-key` provider's login. */
export const findApiKey = async (
  db: Queryable,
  key: string,
): Promise<{ keyId: string; userId: string } | undefined> => {
  const [row] = await db.query<{ id: string; user_id: string }>(
    `SELECT k.id, k.user_id FROM api_keys k JOIN users u ON u.id = k.user_id
      WHERE k.key_hash = $1 AND NOT k.disabled AND NOT u.disabled`,
    [hashKey(key)],
  )
  return row ? { keyId: row.id, userId: row.user_id } : undefined
}

/**
 * A server API key (`custom-data-server keys create`): a user of type `server` with an `api-key`
 * identity, owning one key. Log in with it through the `api-key` provider.
 */
export const createServerApiKey = (
  store: Store,
  clock: Clock,
  input: { name: unknown; providerName: string },
): Promise<ApiKeyView & { userId: string }> =>
  store.transaction(async (tx) => {
    const name = checkName(input.name)
    const taken = await tx.query(
      `SELECT 1 FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.type = 'server' AND k.name = $1`,
      [name],
    )
    if (taken.length > 0) {
      throw new ServiceError(ErrorCode.APIKeyAlreadyExists, `API key '${name}' already exists`)
    }
    const { userId } = await createUser(tx, clock, {
      providerType: 'api-key',
      providerId: input.providerName,
      externalId: `server:${name}`,
      providerData: { name },
      data: { name },
      userType: 'server',
    })
    return { ...(await insertApiKey(tx, clock, { userId, name })), userId }
  })

/** The server API keys, for `custom-data-server keys list`. */
export const listServerApiKeys = (db: Queryable): Promise<(ApiKeyView & { userId: string })[]> =>
  db.query(
    `SELECT k.id AS "_id", k.name, k.disabled, k.user_id AS "userId"
       FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.type = 'server'
      ORDER BY k.created_at, k.id`,
  )
