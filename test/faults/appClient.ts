import { FUNCTIONS_APP_ID } from './serverProcess'

/** An answer: the status (0 when the connection failed or timed out) and the JSON body. */
export interface Answer {
  readonly status: number
  readonly body: Record<string, unknown> | null
  readonly ms: number
  readonly retryAfter: string | null
}

export interface Login {
  readonly access_token: string
  readonly refresh_token: string
  readonly user_id: string
}

const REQUEST_TIMEOUT_MS = 15_000

const send = async (
  url: string,
  init: { method?: string; token?: string; body?: unknown },
): Promise<Answer> => {
  const started = performance.now()
  try {
    const response = await fetch(url, {
      method: init.method ?? 'POST',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const text = await response.text()
    let body: Record<string, unknown> | null = null
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : null
    } catch {
      body = { text }
    }
    return {
      status: response.status,
      body,
      ms: performance.now() - started,
      retryAfter: response.headers.get('retry-after'),
    }
  } catch {
    return { status: 0, body: null, ms: performance.now() - started, retryAfter: null }
  }
}

/** What the scenarios ask of a server of the functions app, as realm-web would. */
export const appClient = (baseUrl: string, appId = FUNCTIONS_APP_ID) => {
  const api = `${baseUrl}/api/client/v2.0`
  const notes = (token: string, name: string, options: Record<string, unknown>) =>
    send(`${api}/app/${appId}/functions/call`, {
      token,
      body: {
        name,
        service: 'mongodb-atlas',
        arguments: [{ database: 'app', collection: 'notes', ...options }],
      },
    })
  return {
    logIn: (rotating = false) =>
      send(`${api}/app/${appId}/auth/providers/anon-user/login`, {
        body: rotating ? { options: { refreshTokenRotation: true } } : {},
      }),
    refresh: (refreshToken: string) => send(`${api}/auth/session`, { token: refreshToken }),
    logOut: (refreshToken: string) =>
      send(`${api}/auth/session`, { method: 'DELETE', token: refreshToken }),
    profile: (accessToken: string) =>
      send(`${api}/auth/profile`, { method: 'GET', token: accessToken }),
    insertNote: (accessToken: string, document: Record<string, unknown>) =>
      notes(accessToken, 'insertOne', { document }),
    findNotes: (accessToken: string, query: Record<string, unknown>) =>
      notes(accessToken, 'find', { query }),
    /** Sets fields of the note matching `query`, inserting it if there is none. */
    upsertNote: (
      accessToken: string,
      query: Record<string, unknown>,
      fields: Record<string, unknown>,
    ) => notes(accessToken, 'updateOne', { query, update: { $set: fields }, upsert: true }),
    callFunction: (accessToken: string, name: string, args: unknown[] = []) =>
      send(`${api}/app/${appId}/functions/call`, {
        token: accessToken,
        body: { name, arguments: args },
      }),
    health: (which: 'alive' | 'ready') => send(`${baseUrl}/health/${which}`, { method: 'GET' }),
  }
}

/** Logs in anonymously or throws. */
export const mustLogIn = async (baseUrl: string, rotating = false): Promise<Login> => {
  const answer = await appClient(baseUrl).logIn(rotating)
  if (answer.status !== 200) {
    throw new Error(`login answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  }
  return answer.body as unknown as Login
}
