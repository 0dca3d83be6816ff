import { cp, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino, type Logger } from 'pino'
import type { Mail, Mailer } from './auth/Mailer'
import { loadAppFolder } from './appFolder/loadAppFolder'
import type { Clock } from './Clock'
import { createLogger } from './createLogger'
import { createServer, type CreateServerOptions, type CustomDataServer } from './createServer'
import type { Store } from './store/Store'
import { TEST_PASSWORD_HASHING } from './testing/startTestServer'
import type { TestStoreKind } from './testing/testStores'

export const basicAppDir: string = fileURLToPath(new URL('../fixtures/basic-app', import.meta.url))
/** Every auth provider, confirmation by email, a user creation function, functions for the flows. */
export const authAppDir: string = fileURLToPath(new URL('../fixtures/auth-app', import.meta.url))

/** A copy of an app folder in a temporary directory with some files replaced (JSON values are stringified). */
export const appFolderVariant = async (
  baseDir: string,
  files: Record<string, unknown>,
): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'app-variant-'))
  await cp(baseDir, dir, { recursive: true })
  for (const [path, content] of Object.entries(files)) {
    await writeFile(
      join(dir, path),
      typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    )
  }
  return dir
}

/** A logger that keeps every line it writes (parsed), to look at what the server logged. */
export const createCapturingLogger = (
  level = 'debug',
): { readonly logger: Logger; readonly lines: Record<string, unknown>[] } => {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  return { logger, lines }
}

/** A mailer that keeps what it would have sent, for tests to follow the links. */
export const createCapturingMailer = (): Mailer & { readonly sent: Mail[] } => {
  const sent: Mail[] = []
  return {
    sent,
    send(mail) {
      sent.push(mail)
      return Promise.resolve()
    },
  }
}

/** The `token` and `tokenId` of a confirmation or reset link. */
export const tokenOfLink = (link: string | undefined): { token: string; tokenId: string } => {
  const url = new URL(link ?? '', 'http://x')
  return {
    token: url.searchParams.get('token') ?? '',
    tokenId: url.searchParams.get('tokenId') ?? '',
  }
}
export const API = 'http://localhost/api/client/v2.0'

export interface Answer {
  status: number
  headers: Headers
  body: unknown
}

export interface InProcessServer {
  server: CustomDataServer
  store: Store
  appId: string
  /** Sends one request to the server in process and reads its JSON answer. */
  request(
    method: string,
    path: string,
    init?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Answer>
  /** POSTs `body` to `/app/{appId}/auth/providers/{provider}/{action}` (login, register...). */
  provider(provider: string, action: string, body?: unknown): Promise<Answer>
  /** Logs in anonymously and returns the login answer. */
  logInAnonymously(): Promise<{
    access_token: string
    refresh_token: string
    user_id: string
    device_id: string
  }>
  close(): Promise<void>
}

/** A server on the basic fixture app and a fresh store, called in process (no port). */
export const createInProcessServer = async (
  storeKind: TestStoreKind,
  options: Partial<Omit<CreateServerOptions, 'app' | 'store'>> & {
    appDir?: string
    clock?: Clock
    /** Share another server's store (opening a PGlite costs seconds); it is then not closed here. */
    shareStore?: Store
  } = {},
): Promise<InProcessServer> => {
  const { appDir = basicAppDir, shareStore, ...rest } = options
  const app = await loadAppFolder(appDir)
  const store = shareStore ?? (await storeKind.open())
  const server = await createServer({
    logger: createLogger('silent'),
    rateLimits: false,
    passwordHashing: TEST_PASSWORD_HASHING,
    ...rest,
    app,
    store,
  })
  const request: InProcessServer['request'] = async (method, path, init = {}) => {
    const headers = new Headers(init.headers)
    if (init.token) headers.set('authorization', `Bearer ${init.token}`)
    let body: string | undefined
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    }
    const url = path.startsWith('http') ? path : `${API}${path}`
    const response = await server.fetch(new Request(url, { method, headers, body }))
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as unknown) : null,
    }
  }
  return {
    server,
    store,
    appId: app.appId,
    request,
    provider: (provider, action, body = {}) =>
      request('POST', `/app/${app.appId}/auth/providers/${provider}/${action}`, { body }),
    async logInAnonymously() {
      const answer = await request('POST', `/app/${app.appId}/auth/providers/anon-user/login`, {
        body: {},
      })
      if (answer.status !== 200) throw new Error(`login failed: ${JSON.stringify(answer.body)}`)
      return answer.body as Awaited<ReturnType<InProcessServer['logInAnonymously']>>
    },
    async close() {
      await server.close()
      if (!shareStore) await store.close()
    },
  }
}

/** The payload of a JWT, unverified (tests look at what the server put in). */
export const decodeJwtPayload = (token: string): Record<string, unknown> => {
  const [, payload] = token.split('.')
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >
}
