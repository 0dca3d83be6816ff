import { ApiError } from './ApiError'
import { deserialize, serialize } from './ejson'

/** Which token authenticates a request (PROTOCOL.md §1.1). */
export type TokenType = 'access' | 'refresh' | 'none'

export interface RequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** The path after `/api/client/v2.0`, e.g. `/auth/session`. */
  readonly path: string
  /** Prefix the path with `/app/{appId}` (logins, functions). */
  readonly appScoped?: boolean
  /** A body to send as canonical EJSON. */
  readonly body?: unknown
  readonly tokenType?: TokenType
  /** The user whose token to send. */
  readonly userId?: string | null
  /** A token to send as is, for a user the session does not hold yet (the profile after login). */
  readonly bearer?: string
}

/** What the transport needs from the session: tokens, and the refresh it may ask for once. */
export interface TransportSession {
  tokenOf(userId: string, type: 'access' | 'refresh'): string | null
  /** Refreshes a user's access token (single-flight); rejects when the session is dead. */
  refreshAccessToken(userId: string): Promise<void>
  /** Drops a user's tokens after the server declared the session dead. */
  markLoggedOut(userId: string): void
}

export interface TransportOptions {
  readonly appId: string
  readonly baseUrl: string
  readonly fetch: typeof fetch
  readonly skipLocationRequest: boolean
  readonly session: TransportSession
}

/** Sends App Services requests: location discovery, EJSON, tokens and one retry after a refresh. */
export interface Transport {
  request<T = unknown>(options: RequestOptions): Promise<T>
  /** The server's base URL after location discovery. */
  location(): Promise<string>
}

const API = '/api/client/v2.0'

const isDeadSession = (error: ApiError): boolean =>
  error.status === 401 && (error.errorCode === 'InvalidSession' || error.message === 'unauthorized')

export const createTransport = (options: TransportOptions): Transport => {
  const { appId, session } = options
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  let location: Promise<string> | undefined

  const send = async (url: string, init: RequestInit): Promise<unknown> => {
    let response: Response
    try {
      response = await options.fetch(url, init)
    } catch (cause) {
      throw new ApiError({
        status: 0,
        errorCode: 'NetworkError',
        message: `Request to ${url} failed: ${String(cause)}`,
        cause,
      })
    }
    const type = response.headers.get('content-type') ?? ''
    const body: unknown = type.startsWith('application/json')
      ? await response.json().catch(() => undefined)
      : undefined
    if (!response.ok) {
      throw ApiError.fromResponse(
        response.status,
        body,
        `Request failed (${init.method} ${url}): status ${response.status}`,
      )
    }
    return body === undefined ? null : deserialize(body)
  }

  const discover = (): Promise<string> => {
    if (options.skipLocationRequest) return Promise.resolve(baseUrl)
    location ??= send(`${baseUrl}${API}/app/${encodeURIComponent(appId)}/location`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    }).then(
      (answer) => {
        const hostname = (answer as { hostname?: unknown } | null)?.hostname
        if (typeof hostname !== 'string')
          throw new ApiError({
            status: 0,
            errorCode: 'InvalidLocation',
            message: "Expected the location answer to contain a 'hostname'",
          })
        return hostname.replace(/\/+$/, '')
      },
      (error: unknown) => {
        location = undefined
        throw error
      },
    )
    return location
  }

  const attempt = async (request: RequestOptions): Promise<unknown> => {
    const base = await discover()
    const path = request.appScoped
      ? `/app/${encodeURIComponent(appId)}${request.path}`
      : request.path
    const headers: Record<string, string> = { accept: 'application/json' }
    const tokenType = request.tokenType ?? 'access'
    if (request.bearer) {
      headers.authorization = `Bearer ${request.bearer}`
    } else if (tokenType !== 'none' && request.userId) {
      const token = session.tokenOf(request.userId, tokenType)
      if (!token)
        throw new ApiError({
          status: 401,
          errorCode: 'InvalidSession',
          message: 'The user is logged out',
        })
      headers.authorization = `Bearer ${token}`
    }
    let body: string | undefined
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(serialize(request.body))
    }
    return send(`${base}${API}${path}`, { method: request.method, headers, body })
  }

  return {
    location: discover,
    async request<T>(request: RequestOptions): Promise<T> {
      try {
        return (await attempt(request)) as T
      } catch (error) {
        const userId = request.userId
        if (!(error instanceof ApiError) || !userId || !isDeadSession(error)) throw error
        const tokenType = request.tokenType ?? 'access'
        if (tokenType === 'refresh') {
          session.markLoggedOut(userId)
          throw error
        }
        if (tokenType !== 'access') throw error
        // One refresh and one retry, never a loop (realm-web's loop: PROTOCOL.md §9.2).
        await session.refreshAccessToken(userId)
        return (await attempt(request)) as T
      }
    },
  }
}
