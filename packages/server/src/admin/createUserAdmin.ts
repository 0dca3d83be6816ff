import type { Clock } from '../Clock'
import { revokeUserSessions } from '../auth/sessions'
import { deleteUser } from '../auth/users'
import type { CollectionProvider } from '../collection/createCollectionProvider'
import type { CustomDataLocation } from '../collection/CustomDataLocation'
import type { Document } from '../collection/documentCodec'
import { isPlainObject } from '../collection/isPlainObject'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Store } from '../store/Store'

/** A user as the admin API and `custom-data-server users list` show it. */
export interface AdminUser {
  readonly id: string
  readonly type: string
  readonly disabled: boolean
  readonly createdAt: string
  /** The providers of its identities (`anon-user`, `local-userpass`...). */
  readonly providers: readonly string[]
  /** Its profile metadata (email, name...). */
  readonly data: Record<string, unknown>
}

/** What an operator may do to users from outside the app: the CLI and the admin HTTP API. */
export interface UserAdmin {
  /** Users in creation order, `limit` at most, after the user `after` (an id) when given. */
  list(options?: { readonly limit?: number; readonly after?: string }): Promise<AdminUser[]>
  get(userId: string): Promise<AdminUser>
  /** The user's custom-data document, or null when it has none. */
  getData(userId: string): Promise<Document | null>
  /**
   * Sets these fields of the user's custom-data document (creating it when missing); the other
   * fields stay. Written through the collection API, so the change feed, live streams and
   * triggers see it like any write. Answers the document after the change.
   */
  setData(userId: string, fields: unknown): Promise<Document>
  /** Disables the user and ends its sessions (its live streams end at once). */
  disable(userId: string): Promise<void>
  /** Deletes the user, its identities and sessions; its custom data stays (as App Services). */
  delete(userId: string): Promise<void>
}

export interface UserAdminOptions {
  readonly store: Store
  readonly clock: Clock
  readonly collections: CollectionProvider
  readonly customData: CustomDataLocation | null
}

const MAX_LIST = 1000

const notFound = (userId: string): ServiceError =>
  new ServiceError(ErrorCode.UserNotFound, `user not found: '${userId}'`)

interface UserRow {
  id: string
  type: string
  disabled: boolean
  created_at: Date | string
  data: Record<string, unknown>
  providers: string[] | null
}

const userOf = (row: UserRow): AdminUser => ({
  id: row.id,
  type: row.type,
  disabled: row.disabled,
  createdAt: new Date(row.created_at).toISOString(),
  providers: row.providers ?? [],
  data: row.data,
})

const SELECT_USERS = `SELECT u.id, u.type, u.disabled, u.created_at, u.data,
       (SELECT array_agg(i.provider_type ORDER BY i.created_at) FROM identities i
         WHERE i.user_id = u.id) AS providers
  FROM users u`

/** The user operations behind `custom-data-server users` and the admin HTTP API. */
export const createUserAdmin = (options: UserAdminOptions): UserAdmin => {
  const { store, clock, collections, customData } = options

  const requireCustomData = (): CustomDataLocation => {
    if (!customData) {
      throw new ServiceError(
        ErrorCode.BadRequest,
        'custom user data is off in this app (auth/custom_user_data.json)',
      )
    }
    return customData
  }
  const customCollection = (location: CustomDataLocation) =>
    collections.open({
      service: location.serviceName,
      db: location.databaseName,
      coll: location.collectionName,
      user: null,
      system: true,
      caller: 'function',
    })

  const get = async (userId: string): Promise<AdminUser> => {
    const [row] = await store.query<UserRow>(`${SELECT_USERS} WHERE u.id = $1`, [userId])
    if (!row) throw notFound(userId)
    return userOf(row)
  }

  return {
    async list({ limit = 100, after } = {}) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) {
        throw new ServiceError(
          ErrorCode.InvalidParameter,
          `limit must be an integer from 1 to ${MAX_LIST}`,
        )
      }
      const rows = await store.query<UserRow>(
        after === undefined
          ? `${SELECT_USERS} ORDER BY u.created_at, u.id LIMIT $1`
          : `${SELECT_USERS}
              WHERE (u.created_at, u.id) > (SELECT created_at, id FROM users WHERE id = $2)
              ORDER BY u.created_at, u.id LIMIT $1`,
        after === undefined ? [limit] : [limit, after],
      )
      return rows.map(userOf)
    },
    get,
    async getData(userId) {
      const location = requireCustomData()
      await get(userId)
      return customCollection(location).findOne({ [location.userIdField]: userId })
    },
    async setData(userId, fields) {
      const location = requireCustomData()
      if (!isPlainObject(fields) || Object.keys(fields).length === 0) {
        throw new ServiceError(
          ErrorCode.InvalidParameter,
          'custom data must be a JSON object with at least one field, such as {"plan":"pro"}',
        )
      }
      for (const key of Object.keys(fields)) {
        if (key === '_id' || key === location.userIdField || key.startsWith('$')) {
          throw new ServiceError(ErrorCode.InvalidParameter, `the field "${key}" cannot be set`)
        }
      }
      await get(userId)
      const collection = customCollection(location)
      const after = await collection.findOneAndUpdate(
        { [location.userIdField]: userId },
        { $set: fields },
        { upsert: true, returnNewDocument: true },
      )
      return after ?? {}
    },
    async disable(userId) {
      const rows = await store.query(
        'UPDATE users SET disabled = true WHERE id = $1 RETURNING id',
        [userId],
      )
      if (rows.length === 0) throw notFound(userId)
      await revokeUserSessions(store, clock, userId)
    },
    async delete(userId) {
      if (!(await deleteUser(store, userId))) throw notFound(userId)
    },
  }
}
