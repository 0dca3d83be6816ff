// `pnpm bench:server --scale`: is the hot path flat with the number of users? In process, on each
// store (PGlite in memory; PostgreSQL when DATABASE_URL is set), stores seeded with each count of
// `BENCH_SCALE_USERS` (default 1000,100000) are measured in turns, round after round: the refresh
// lookup (the session and the custom-data document of a refresh token, one statement) and the
// owner's write (`updateOne({ userId }, { $set }, { upsert })` as writeCustomUserData does, under
// the owner rule). With `--baseline <checkout>`, that checkout's code is measured the same way.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import type * as Clock from '../src/Clock'
import type * as Users from '../src/auth/users'
import type * as Sessions from '../src/auth/sessions'
import type * as CreateCollection from '../src/collection/createCollection'
import type * as OwnDocumentAccess from '../src/collection/ownDocumentAccess'
import type * as UserIdIndex from '../src/collection/userIdIndex'
import type * as OpenStore from '../src/store/openStore'
import { compareRates, medianOf, type RateVariant } from './compareRates'
import { seedUsers } from './seedUsers'

const COUNTS = (process.env.BENCH_SCALE_USERS ?? '1000,100000').split(',').map(Number)
const SECONDS = Number(process.env.BENCH_DURATION ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const WHERE = { db: 'custom-user-data-database', coll: 'custom-user-data', userIdField: 'userId' }
const CUSTOM_DATA = {
  enabled: true,
  serviceName: 'mongodb-atlas',
  databaseName: WHERE.db,
  collectionName: WHERE.coll,
  userIdField: WHERE.userIdField,
  onUserCreationFunctionName: null,
}

/** The server modules of one checkout (this one, or `--baseline`). */
const modulesOf = async (serverSrc: string) => {
  const load = (path: string) => import(pathToFileURL(join(serverSrc, path)).href)
  return {
    ...((await load('store/openStore.ts')) as typeof OpenStore),
    ...((await load('auth/users.ts')) as typeof Users),
    ...((await load('auth/sessions.ts')) as typeof Sessions),
    ...((await load('collection/createCollection.ts')) as typeof CreateCollection),
    ...((await load('collection/ownDocumentAccess.ts')) as typeof OwnDocumentAccess),
    ...((await load('collection/userIdIndex.ts')) as typeof UserIdIndex),
    ...((await load('Clock.ts')) as typeof Clock),
  }
}

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}

export const measureScale = async (): Promise<void> => {
  const baseline = flag('--baseline')
  const roots = [
    ...(baseline ? [{ label: 'before', src: join(baseline, 'packages/server/src') }] : []),
    { label: baseline ? 'after' : 'ours', src: new URL('../src/', import.meta.url).pathname },
  ]
  const databaseUrl = process.env.DATABASE_URL
  const kinds = ['pglite', ...(databaseUrl ? ['postgres'] : [])] as const
  console.log(
    `scale, in process: users ${COUNTS.join(', ')}; ${ROUNDS} rounds of ${SECONDS} s per variant, 4 loops each`,
  )
  for (const kind of kinds) {
    for (const root of roots) {
      const m = await modulesOf(root.src)
      const schemas: string[] = []
      const stores: Awaited<ReturnType<typeof m.openStore>>[] = []
      const variants: RateVariant[] = []
      try {
        for (const count of COUNTS) {
          const schema = `bench_scale_${randomBytes(4).toString('hex')}`
          schemas.push(schema)
          const store = await m.openStore(
            kind === 'pglite'
              ? { dataDir: ':memory:' }
              : { databaseUrl: databaseUrl as string, schema },
          )
          stores.push(store)
          await m.ensureUserIdIndex(store, WHERE.userIdField)
          await seedUsers(store, count, WHERE)
          const sessions = await Promise.all(
            Array.from({ length: 16 }, async () => {
              const { userId } = await m.createUser(store, m.systemClock, {
                providerType: 'anon-user',
                providerId: 'anon-user',
                externalId: randomBytes(8).toString('hex'),
              })
              const { refreshToken } = await m.openSession(store, m.systemClock, {
                userId,
                identityId: null,
                deviceId: '0'.repeat(24),
                lifetime: 3600,
                rotating: false,
                anonymous: true,
              })
              return { userId, refreshToken }
            }),
          )
          const owned = (userId: string) =>
            m.createCollection({
              store,
              db: WHERE.db,
              coll: WHERE.coll,
              userIdField: WHERE.userIdField,
              access: m.ownDocumentAccess({
                field: WHERE.userIdField,
                userId,
                caller: 'function',
                namespace: `${WHERE.db}.${WHERE.coll}`,
              }),
            })
          const write = (i: number) => {
            const { userId } = sessions[i % sessions.length] as (typeof sessions)[number]
            return owned(userId).updateOne(
              { userId },
              { $set: { favoriteFood: i % 2 ? 'pizza' : 'ramen' } },
              { upsert: true },
            )
          }
          for (let i = 0; i < sessions.length; i += 1) await write(i)
          await store.query('ANALYZE')
          variants.push(
            {
              name: `refresh@${count}`,
              run: (i) =>
                m.findSessionOfToken(
                  store,
                  (sessions[i % sessions.length] as (typeof sessions)[number]).refreshToken,
                  { customData: CUSTOM_DATA },
                ),
            },
            { name: `write@${count}`, run: write },
          )
        }
        const { rates } = await compareRates(variants, {
          concurrency: 4,
          seconds: SECONDS,
          rounds: ROUNDS,
        })
        const first = COUNTS[0] as number
        for (const what of ['refresh', 'write']) {
          const base = medianOf(rates, `${what}@${first}`)
          console.log(
            `${kind.padEnd(9)}${root.label.padEnd(7)}${what.padEnd(8)}` +
              COUNTS.map((count) => {
                const rate = medianOf(rates, `${what}@${count}`)
                return `${count} users ${rate.toFixed(0).padStart(6)}/s${count === first ? '' : ` (${((rate / base) * 100).toFixed(0)}%)`}`
              }).join('   '),
          )
        }
      } finally {
        for (const store of stores) await store.close()
        if (kind === 'postgres') {
          const client = new pg.Client({ connectionString: databaseUrl })
          await client.connect()
          for (const schema of schemas)
            await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
          await client.end()
        }
      }
    }
  }
}
