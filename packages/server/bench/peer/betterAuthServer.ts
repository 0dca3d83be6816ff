// The peer of `pnpm bench:server --compare`: a Better Auth server on the same stack as ours (Hono
// + @hono/node-server, PostgreSQL through pg), in a schema of its own, on 127.0.0.1. Started as
// a child process by runBench: `tsx bench/peer/betterAuthServer.ts <databaseUrl> <schema>`; it
// prints `listening on http://127.0.0.1:<port>` once its tables exist. Also serves `GET /bare`,
// a route that does nothing: the ceiling of the HTTP stack itself.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { Hono } from 'hono'
import pg from 'pg'

const [databaseUrl, schema] = process.argv.slice(2)
if (!databaseUrl || !schema) throw new Error('usage: betterAuthServer <databaseUrl> <schema>')

const app = new Hono()
app.get('/bare', (c) => c.text('ok'))
// Set once its tables exist; until then (never, in the bench) a request waits for nothing.
const auth: { handler?: (request: Request) => Promise<Response> } = {}
app.on(['GET', 'POST'], '/api/auth/*', (c) =>
  auth.handler ? auth.handler(c.req.raw) : c.text('starting', 503),
)
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
    resolve(started),
  )
})
// Its base URL (origin checks, cookies) needs the port the system gave.
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const options = {
  baseURL,
  secret: 'bench-secret-bench-secret-bench-secret-0123',
  database: new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    options: `-c search_path=${schema}`,
  }),
  // Its defaults otherwise: scrypt password hashes, sessions read from the database.
  emailAndPassword: { enabled: true, autoSignIn: true },
  user: { additionalFields: { favoriteFood: { type: 'string' as const, required: false } } },
  // The load generator is the only client: no limit, as ours runs with --rate-limits off.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' as const },
}
const { runMigrations } = await getMigrations(options)
await runMigrations()
auth.handler = betterAuth(options).handler
console.log(`listening on ${baseURL}`)
process.once('SIGTERM', () => server.close(() => process.exit(0)))
