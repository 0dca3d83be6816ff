import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { BenchRequest } from '../BenchScenario'

const script = fileURLToPath(new URL('./betterAuthServer.ts', import.meta.url))
const serverPackage = fileURLToPath(new URL('../../', import.meta.url))

/** The running Better Auth server, and the requests of each compared scenario against it. */
export interface Peer {
  readonly url: string
  /** Its process, whose CPU time the machine-load sample leaves out. */
  readonly pid: number | undefined
  /** `GET /api/auth/get-session` with a session cookie: reading the user and its fields. */
  readSession(): Promise<readonly BenchRequest[]>
  /** `POST /api/auth/update-user` of an additional field, alternating two values. */
  updateUser(): Promise<readonly BenchRequest[]>
  /** `POST /api/auth/sign-in/email` (its scrypt hashes). */
  signIn(): Promise<readonly BenchRequest[]>
  /** `GET /bare`: a Hono route that does nothing, the ceiling of the stack. */
  bare(): readonly BenchRequest[]
  stop(): Promise<void>
}

const sql = async (databaseUrl: string, text: string) => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** Starts Better Auth on `databaseUrl`, in a schema of its own that `stop` drops. */
export const startPeer = async (databaseUrl: string): Promise<Peer> => {
  const schema = `bench_peer_${randomBytes(4).toString('hex')}`
  await sql(databaseUrl, `CREATE SCHEMA ${schema}`)
  const child = spawn(process.execPath, ['--import', 'tsx', script, databaseUrl, schema], {
    cwd: serverPackage,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`Better Auth exited ${code} before listening`)))
  })
  let seq = 0
  const password = 'bench password 1'
  const post = async (path: string, body: unknown, cookie?: string) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: url,
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`)
    return response
  }
  /** A new user, signed up (and so signed in): its email and session cookie. */
  const signUp = async () => {
    const email = `peer-${process.pid}-${++seq}@example.com`
    const response = await post('/api/auth/sign-up/email', { email, password, name: 'bench' })
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ')
    return { email, cookie }
  }
  const users = (count: number) => Promise.all(Array.from({ length: count }, signUp))
  return {
    url,
    pid: child.pid,
    async readSession() {
      return (await users(16)).map(({ cookie }) => ({
        method: 'GET' as const,
        path: '/api/auth/get-session',
        headers: { cookie, accept: 'application/json' },
      }))
    },
    async updateUser() {
      return (await users(16)).flatMap(({ cookie }) =>
        ['pizza', 'ramen'].map((favoriteFood) => ({
          method: 'POST' as const,
          path: '/api/auth/update-user',
          headers: { cookie, origin: url, 'content-type': 'application/json' },
          body: JSON.stringify({ favoriteFood }),
        })),
      )
    },
    async signIn() {
      return (await users(8)).map(({ email }) => ({
        method: 'POST' as const,
        path: '/api/auth/sign-in/email',
        headers: { origin: url, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ email, password }),
      }))
    },
    bare: () => [{ method: 'GET', path: '/bare' }],
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
      await sql(databaseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    },
  }
}
