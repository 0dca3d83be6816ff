import type { Document } from '../collection/documentCodec'
import { decodeEjson, encodeRelaxed } from '../ejson/ejsonCodec'
import { ErrorCode, ServiceError, type ErrorCode as Code } from '../errors/ServiceError'
import { ADMIN_API } from './adminRoutes'
import type { AdminUser, UserAdmin } from './createUserAdmin'

/**
 * `UserAdmin` over a running server's admin HTTP API (docs/protocol.md §17.8), for
 * `custom-data-server users --url ... --key ...`: what to use while a server holds a PGlite
 * folder, or from another machine.
 */
export const createHttpUserAdmin = (options: {
  readonly url: string
  readonly key: string
}): UserAdmin => {
  const base = `${options.url.replace(/\/+$/, '')}${ADMIN_API}`
  const call = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${options.key}`,
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      },
    })
    const text = await response.text()
    const body: unknown = text ? JSON.parse(text) : null
    if (!response.ok) {
      const { error, error_code: code } = (body ?? {}) as { error?: string; error_code?: string }
      const known = Object.values(ErrorCode).includes(code as Code)
      throw new ServiceError(
        known ? (code as Code) : ErrorCode.InternalServerError,
        error ?? `the server answered ${response.status}`,
      )
    }
    return body
  }
  const id = (userId: string): string => encodeURIComponent(userId)
  return {
    list: async ({ limit, after } = {}) => {
      const query = new URLSearchParams({
        ...(limit !== undefined ? { limit: String(limit) } : {}),
        ...(after !== undefined ? { after } : {}),
      })
      return (await call(`/users?${query.toString()}`)) as AdminUser[]
    },
    get: async (userId) => (await call(`/users/${id(userId)}`)) as AdminUser,
    getData: async (userId) =>
      decodeEjson(await call(`/users/${id(userId)}/custom-data`)) as Document | null,
    setData: async (userId, fields) =>
      decodeEjson(
        await call(`/users/${id(userId)}/custom-data`, {
          method: 'PATCH',
          body: JSON.stringify(encodeRelaxed(fields)),
        }),
      ) as Document,
    disable: async (userId) => {
      await call(`/users/${id(userId)}/disable`, { method: 'POST' })
    },
    delete: async (userId) => {
      await call(`/users/${id(userId)}`, { method: 'DELETE' })
    },
  }
}
