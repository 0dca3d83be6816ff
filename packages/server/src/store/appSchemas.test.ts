import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../startServer'
import { TEST_PASSWORD_HASHING } from '../testing/startTestServer'
import { appFolderVariant, basicAppDir } from '../testUtils'
import { PublicTablesError } from './adoptPublicTables'
import { appSchemaName } from './appSchemaName'
import { createPostgresStore } from './createPostgresStore'
import { migrate } from './migrate'
import { migrations } from './migrations'
import { openStore } from './openStore'

const databaseUrl = process.env.DATABASE_URL

/** An app folder like basic-app with another id, anonymous and auto-confirmed email logins. */
const appWithId = (appId: string) =>
  appFolderVariant(basicAppDir, {
    'realm_config.json': { config_version: 20210101, app_id: appId, name: appId.slice(0, -6) },
    'auth/providers.json': {
      'anon-user': { name: 'anon-user', type: 'anon-user', disabled: false },
      'local-userpass': {
        name: 'local-userpass',
        type: 'local-userpass',
        disabled: false,
        config: { autoConfirm: true, resetPasswordUrl: 'https://app.example.com/reset' },
      },
    },
  })

describe('appSchemaName', () => {
  it('names a schema after the app id, and never gives two ids one schema', () => {
    expect(appSchemaName('demo-abcde')).toBe('app_demo_abcde')
    expect(appSchemaName('my_app-abcde')).not.toBe(appSchemaName('my-app-abcde'))
    expect(appSchemaName('My-App-abcde')).not.toBe(appSchemaName('my-app-abcde'))
    const long = appSchemaName(`${'x'.repeat(80)}-abcde`)
    expect(long.length).toBeLessThanOrEqual(63)
    expect(long).toMatch(/^app_[a-z0-9_]+$/)
  })
})

// A database of this suite's own (created and dropped here): the apps' schemas are derived from
// their ids, and the move from `public` needs a `public` no other suite uses.
describe.skipIf(!databaseUrl)('two apps on one PostgreSQL database', () => {
  const database = `rel_apps_${randomBytes(4).toString('hex')}`
  let admin: pg.Client
  let url: string
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    const target = new URL(databaseUrl as string)
    target.pathname = `/${database}`
    url = target.toString()
  })
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.end()
  })

  const start = async (appId: string): Promise<RunningServer> =>
    startServer({
      appDir: await appWithId(appId),
      port: 0,
      logLevel: 'silent',
      store: { databaseUrl: url },
      server: { rateLimits: false, passwordHashing: TEST_PASSWORD_HASHING },
    })
  const post = async (
    server: RunningServer,
    path: string,
    init: { body?: unknown; token?: string },
  ) => {
    const response = await fetch(`${server.url}/api/client/v2.0${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as Record<string, string> | null,
    }
  }
  const userpass = (appId: string, action: string) =>
    `/app/${appId}/auth/providers/local-userpass/${action}`

  it("two apps on one PostgreSQL database share users and sessions: app B's refresh token is refused by app A, B's accounts do not log in to A", async () => {
    const a = await start('iso-a-abcde')
    const b = await start('iso-b-abcde')
    try {
      const credentials = { email: 'shared@example.com', password: 'a good password' }
      expect(
        (await post(b, userpass('iso-b-abcde', 'register'), { body: credentials })).status,
      ).toBe(201)
      const loginB = await post(b, userpass('iso-b-abcde', 'login'), {
        body: { username: credentials.email, password: credentials.password },
      })
      expect(loginB.status).toBe(200)

      // A refresh at A with B's refresh token: A has no such session.
      const refresh = await post(a, '/auth/session', {
        token: loginB.body?.refresh_token,
      })
      expect(refresh.status).toBe(401)
      // B's account does not exist at A.
      const loginA = await post(a, userpass('iso-a-abcde', 'login'), {
        body: { username: credentials.email, password: credentials.password },
      })
      expect(loginA.status).toBe(401)
      // And A can register the same address for itself, with another password.
      expect(
        (
          await post(a, userpass('iso-a-abcde', 'register'), {
            body: { email: credentials.email, password: 'another password' },
          })
        ).status,
      ).toBe(201)
      expect(
        (
          await post(b, userpass('iso-b-abcde', 'login'), {
            body: { username: credentials.email, password: 'another password' },
          })
        ).status,
      ).toBe(401)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it("keeps an app in the schema of its folder's own App ID when it answers to another (--app-id)", async () => {
    const server = await startServer({
      appDir: await appWithId('iso-c-abcde'),
      appId: 'renamed-client-id',
      port: 0,
      logLevel: 'silent',
      store: { databaseUrl: url },
      server: { rateLimits: false, passwordHashing: TEST_PASSWORD_HASHING },
    })
    try {
      const login = await post(server, '/app/renamed-client-id/auth/providers/anon-user/login', {
        body: {},
      })
      expect(login.status).toBe(200)
      const owner = new pg.Client({ connectionString: url })
      await owner.connect()
      try {
        const { rows } = await owner.query('SELECT count(*) AS n FROM app_iso_c_abcde.users')
        expect(rows).toEqual([{ n: '1' }])
        const other = await owner.query(
          "SELECT 1 FROM pg_namespace WHERE nspname = 'app_renamed_client_id'",
        )
        expect(other.rows).toEqual([])
      } finally {
        await owner.end()
      }
    } finally {
      await server.close()
    }
  })

  it("an app's tables left in public by an older server move into its schema on its first start, with its users and sessions", async () => {
    // What an older server left: its tables in public, at the migrations it knew.
    const legacy = await createPostgresStore({ databaseUrl: url })
    await migrate(
      legacy,
      migrations.filter((migration) => migration.version <= 50),
    )
    await legacy.query(
      "INSERT INTO users (id, created_at) SELECT 'legacy-' || g, now() FROM generate_series(1, 20000) g",
    )
    await legacy.query(
      "INSERT INTO documents (db, coll, id, doc) SELECT 'app', 'notes', 'n' || g, jsonb_build_object('n', g) FROM generate_series(1, 100000) g",
    )
    await legacy.close()

    const moved: string[][] = []
    const started = performance.now()
    const adopted = await openStore(
      { databaseUrl: url },
      {
        appId: 'legacy-abcde',
        onAdopted: (_, tables) => moved.push([...tables]),
      },
    )
    const tookMs = performance.now() - started
    try {
      expect(moved).toHaveLength(1)
      expect(moved[0]).toEqual(expect.arrayContaining(['users', 'documents', 'schema_migrations']))
      const [users] = await adopted.query<{ n: string }>('SELECT count(*) AS n FROM users')
      expect(Number(users?.n)).toBe(20_000)
      const [docs] = await adopted.query<{ n: string }>('SELECT count(*) AS n FROM documents')
      expect(Number(docs?.n)).toBe(100_000)
      const { rows } = await admin.query(
        `SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'`,
      )
      expect(rows).toEqual([{ n: '0' }])
      // Whatever the data, the move only rewrites the catalog.
      console.info(`moved 12 tables (100,000 documents, 20,000 users) in ${tookMs.toFixed(0)} ms`)
    } finally {
      await adopted.close()
    }
    // A second start finds its tables in place and moves nothing.
    const again = await openStore(
      { databaseUrl: url },
      { appId: 'legacy-abcde', onAdopted: () => moved.push([]) },
    )
    await again.close()
    expect(moved).toHaveLength(1)
  })

  it('refuses to guess when public holds tables of migrations it does not know there', async () => {
    // A newer server's tables in public (DATABASE_SCHEMA=public, say): not moved by halves.
    const current = await openStore({ databaseUrl: url })
    await current.close()
    await expect(openStore({ databaseUrl: url }, { appId: 'other-abcde' })).rejects.toBeInstanceOf(
      PublicTablesError,
    )
    // Its tables stay where they are, usable with the schema named.
    const kept = await openStore({ databaseUrl: url, schema: 'public' })
    await kept.close()
  })
})
