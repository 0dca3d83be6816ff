import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteStore } from '../store/createPgliteStore'
import { createPostgresStore } from '../store/createPostgresStore'
import { migrate } from '../store/migrate'
import { migrations } from '../store/migrations'
import type { Store } from '../store/Store'
import { testStores } from '../testing/testStores'
import {
  appFolderVariant,
  basicAppDir,
  createInProcessServer,
  type InProcessServer,
} from '../testUtils'

// "José" with é as one code point (NFC) and as e + U+0301 (NFD, as macOS and some keyboards send it).
const NFC = 'jos\u00e9@example.com'
const NFD = 'jose\u0301@example.com'

const autoConfirmApp = () =>
  appFolderVariant(basicAppDir, {
    'auth/providers.json': {
      'local-userpass': {
        name: 'local-userpass',
        type: 'local-userpass',
        disabled: false,
        config: { autoConfirm: true, resetPasswordUrl: 'https://app.example.com/reset' },
      },
    },
  })

describe.each(testStores())('email addresses on $kind', (kind) => {
  let s: InProcessServer
  beforeAll(async () => {
    s = await createInProcessServer(kind, { appDir: await autoConfirmApp() })
  })
  afterAll(() => s.close())

  it('A14: an email in NFC and the same email in NFD become two accounts: they are one account, whichever is typed', async () => {
    expect(
      (await s.provider('local-userpass', 'register', { email: NFC, password: 'a password' }))
        .status,
    ).toBe(201)
    const again = await s.provider('local-userpass', 'register', {
      email: NFD,
      password: 'other one',
    })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ error_code: 'AccountNameInUse' })
    const byNfd = await s.provider('local-userpass', 'login', {
      username: NFD,
      password: 'a password',
    })
    const byNfc = await s.provider('local-userpass', 'login', {
      username: NFC,
      password: 'a password',
    })
    expect(byNfd.status).toBe(200)
    expect((byNfd.body as { user_id: string }).user_id).toBe(
      (byNfc.body as { user_id: string }).user_id,
    )
    expect(
      await s.store.query('SELECT email FROM userpass_accounts WHERE email LIKE $1', ['jos%']),
    ).toEqual([{ email: NFC }])
  })

  it('a right-to-left override character is accepted in an email: bidirectional and control characters are refused with a 400 that names them', async () => {
    for (const [email, char] of [
      ['admin\u202Emoc.elpmaxe@evil.com', 'U+202E'],
      ['a\u2066b@example.com', 'U+2066'],
      ['a\u200Fb@example.com', 'U+200F'],
      ['a\u0007b@example.com', 'U+0007'],
    ] as const) {
      const register = await s.provider('local-userpass', 'register', {
        email,
        password: 'a password',
      })
      expect(register.status).toBe(400)
      expect(register.body).toMatchObject({ error_code: 'InvalidParameter', reason: 'email' })
      expect((register.body as { error: string }).error).toContain(char)
      const login = await s.provider('local-userpass', 'login', {
        username: email,
        password: 'a password',
      })
      expect(login.status).toBe(400)
    }
    expect(
      await s.store.query("SELECT email FROM userpass_accounts WHERE email LIKE '%evil%'"),
    ).toEqual([])
  })
})

/** A store at the migrations before 111, as an older server left it, and how to drop it. */
const olderStores: {
  readonly kind: string
  open(): Promise<{ store: Store; drop(): Promise<void> }>
}[] = [
  {
    kind: 'pglite',
    async open() {
      const store = await createPgliteStore({ dataDir: ':memory:' })
      return { store, drop: () => store.close() }
    },
  },
  ...(process.env.DATABASE_URL
    ? [
        {
          kind: 'postgres',
          async open() {
            const databaseUrl = process.env.DATABASE_URL as string
            const schema = `t_${randomBytes(6).toString('hex')}`
            const store = await createPostgresStore({ databaseUrl, schema })
            return {
              store,
              async drop() {
                await store.close()
                const admin = new pg.Client({ connectionString: databaseUrl })
                await admin.connect()
                await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
                await admin.end()
              },
            }
          },
        },
      ]
    : []),
]

describe.each(olderStores)('migration 111 on $kind', (older) => {
  it('brings existing addresses to NFC with their identity, profile and pending tokens; a duplicate stays apart', async () => {
    const opened = await older.open()
    const { store } = opened
    try {
      await migrate(
        store,
        migrations.filter((migration) => migration.version < 111),
      )
      const user = async (id: string, email: string) => {
        await store.query(
          `INSERT INTO users (id, data, created_at) VALUES ($1, jsonb_build_object('email', $2::text), now())`,
          [id, email],
        )
        await store.query(
          `INSERT INTO identities (id, user_id, provider_type, provider_id, external_id, provider_data, created_at)
           VALUES ($1, $2, 'local-userpass', 'local-userpass', $3, jsonb_build_object('email', $3::text), now())`,
          [`i-${id}`, id, email],
        )
        await store.query(
          `INSERT INTO userpass_accounts (email, password_hash, user_id, created_at, confirmed_at)
           VALUES ($1, 'hash', $2, now(), now())`,
          [email, id],
        )
      }
      await user('u1', NFD)
      await store.query(
        `INSERT INTO userpass_tokens (id, email, purpose, token_hash, created_at, expires_at)
         VALUES ('t1', $1, 'reset', 'h', now(), now() + interval '1 hour')`,
        [NFD],
      )
      // The same address twice, composed and decomposed (the defect's own doing).
      await user('u2', 'ren\u00e9@example.com')
      await user('u3', 'rene\u0301@example.com')

      await migrate(store)

      expect(
        await store.query('SELECT email, user_id FROM userpass_accounts ORDER BY user_id'),
      ).toEqual([
        { email: NFC, user_id: 'u1' },
        { email: 'ren\u00e9@example.com', user_id: 'u2' },
        { email: 'rene\u0301@example.com', user_id: 'u3' },
      ])
      expect(
        await store.query("SELECT external_id, provider_data FROM identities WHERE id = 'i-u1'"),
      ).toEqual([{ external_id: NFC, provider_data: { email: NFC } }])
      expect(await store.query("SELECT data FROM users WHERE id = 'u1'")).toEqual([
        { data: { email: NFC } },
      ])
      expect(await store.query("SELECT email FROM userpass_tokens WHERE id = 't1'")).toEqual([
        { email: NFC },
      ])
    } finally {
      await opened.drop()
    }
  })
})
