import { ApiError, apiError, invalidResponse, isApiError } from './ApiError'
import { asString } from './asString'
import { deserialize, serialize } from './ejson'
import { sleep } from './sleep'

/** Which of the user's tokens authenticates a request (docs/protocol.md §1.1). */
export type TokenType = 'access' | 'refresh'

export interface RequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** The path after `/api/client/v2.0`, e.g. `/auth/session`. */
  readonly path: string
  /** Prefix the path with `/app/{appId}` (logins, functions). */
  readonly appScoped?: boolean
  /** A body to send as canonical EJSON. */
  readonly body?: unknown
  /** Which of `userId`'s tokens to send. Default `access`. */
  readonly tokenType?: TokenType
  /** The user whose token to send; requests without one (logins) carry no token. */
  readonly userId?: string
  /**
   * A token to send as is, instead of `userId`'s: for a user the session does not hold yet (the
   * profile after login).
   */
  readonly bearer?: string
  /** Safe to send twice: a network error is retried with backoff. Never set for function calls. */
  readonly idempotent?: boolean
  /** Send the browser's cookies for the server's origin (the OAuth link flow, §3.6). */
  readonly credentials?: 'include'
  /** Resolve with the request's URL instead of sending it (a page to open in a popup). */
  readonly urlOnly?: boolean
}

/** Sends one App Services request and resolves with its decoded answer. */
export type Request = <T = unknown>(options: RequestOptions) => Promise<T>

/** What the transport needs from the session: tokens, and the refresh it may ask for once. */
export interface TransportSession {
  /** The token a user's request carries; an access token that is due is refreshed first. */
  tokenFor(userId: string, type: 'access' | 'refresh'): Promise<string>
  /**
   * Refreshes the access token unless the tokens changed from `staleToken` (the access or refresh
   * token a request was refused with) meanwhile.
   */
  refreshAccessToken: (userId: string, staleToken: string | null) => Promise<void>
  /** Drops a user's tokens after the server refused `refreshToken`, if the user still holds it. */
  markLoggedOut(userId: string, refreshToken: string): void
  /** Offers a fresher access token the server sent along (`X-Refreshed-Access-Token`, §17.3). */
  offerAccessToken(userId: string, token: string): void
}

/** What sends the requests: the global `fetch`, or any function called the way it is. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>

/** The part of the app's configuration the transport reads. */
export interface TransportOptions {
  readonly id: string
  readonly baseUrl: string
  readonly fetch?: Fetch | undefined
  readonly skipLocationRequest?: boolean | undefined
}

const API = '/api/client/v2.0'
const JSON_TYPE = 'application/json'
const ATTEMPTS = 4

const isDeadSession = (error: unknown): error is ApiError =>
  isApiError(error) &&
  error.status === 401 &&
  (error.errorCode === 'InvalidSession' || error.message === 'unauthorized')

/**
 * Creates the function that sends App Services requests: location discovery (asked once per
 * app, then cached), EJSON both ways, the user's token, and one retry after a refresh.
 */
export const createTransport = (options: TransportOptions, session: TransportSession): Request => {
  // The global fetch is looked up at each request, so one patched later (a test, a mock) counts.
  const { fetch: fetcher = (input, init) => fetch(input, init) } = options
  const appPath = `/app/${encodeURIComponent(options.id)}`
  let location = options.skipLocationRequest ? Promise.resolve(options.baseUrl) : undefined

  // One exchange with the server at `base`: the request (retried on network errors when
  // idempotent), then its answer.
  const send = async (base: string, request: RequestOptions, token?: string): Promise<unknown> => {
    const { method, body, userId, credentials } = request
    const url = `${base.replace(/\/+$/, '')}${API}${request.appScoped ? appPath : ''}${request.path}`
    if (request.urlOnly) return url
    const headers: Record<string, string> = { accept: JSON_TYPE }
    const init: RequestInit = { method, headers }
    if (credentials) init.credentials = credentials
    if (token) headers.authorization = `Bearer ${token}`
    if (body !== undefined) {
      headers['content-type'] = JSON_TYPE
      init.body = JSON.stringify(serialize(body))
    }
    let response: Response | undefined
    for (let attempt = 1; !response; attempt++) {
      try {
        response = await fetcher(url, init)
      } catch (cause) {
        if (!request.idempotent || attempt === ATTEMPTS)
          throw apiError('NetworkError', `${url} unreachable: ${String(cause)}`, { cause })
        // Exponential backoff with jitter, so tabs waking together do not retry together.
        await sleep(250 * 2 ** attempt * (0.5 + Math.random()))
      }
    }
    const { status, ok, headers: answerHeaders } = response
    let answer: unknown = null
    if (answerHeaders.get('content-type')?.startsWith(JSON_TYPE)) {
      try {
        answer = await response.json()
      } catch {
        // An error answer without a readable body still says enough through its status.
        if (ok) throw invalidResponse(url)
      }
    }
    if (!ok) {
      const { error, error_code: code, link } = (answer ?? {}) as Record<string, unknown>
      throw apiError(
        asString(code) ?? 'HttpError',
        asString(error) ?? `${method} ${url}: status ${status}`,
        {
          status,
          link: asString(link),
        },
      )
    }
    const refreshed = answerHeaders.get('x-refreshed-access-token')
    if (refreshed && userId && request.tokenType !== 'refresh')
      session.offerAccessToken(userId, refreshed)
    return deserialize(answer)
  }

  const discover = (): Promise<string> =>
    (location ??= send(options.baseUrl, {
      method: 'GET',
      path: '/location',
      appScoped: true,
      idempotent: true,
    }).then(
      (answer) => {
        const hostname = (answer as { hostname?: unknown } | null)?.hostname
        if (typeof hostname !== 'string') throw invalidResponse('location')
        return hostname
      },
      (error: unknown) => {
        // Not cached: the next request asks again.
        location = undefined
        throw error
      },
    ))

  return async <T>(request: RequestOptions): Promise<T> => {
    const { userId, tokenType = 'access' } = request
    const server = await discover()
    const currentToken = async () => (userId ? session.tokenFor(userId, tokenType) : undefined)
    const token = await currentToken()
    try {
      return (await send(server, request, request.bearer ?? token)) as T
    } catch (error) {
      if (!userId || !token || !isDeadSession(error)) throw error
      // The refresh token refused by the session routes themselves: the session is over.
      if (request.path === '/auth/session') {
        session.markLoggedOut(userId, token)
        throw new ApiError({
          ...error,
          message: `The server ended the session of user ${userId} (${error.message}); log in again`,
        })
      }
      // One refresh and one retry, never a loop (realm-web's loop: docs/protocol.md §9.2). A refresh
      // token refused elsewhere (API keys) may just have been rotated by a refresh in flight, here
      // or in another tab: the refresh waits for that one, or finds out whether the session lives.
      await session.refreshAccessToken(userId, token)
      return (await send(server, request, await currentToken())) as T
    }
  }
}
