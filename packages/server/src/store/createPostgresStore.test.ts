import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTcpProxy, type TcpProxy } from '../testing/createTcpProxy'
import { postgresTestStore } from '../testing/testStores'
import type { Store } from './Store'
import { StoreUnavailableError } from './StoreUnavailableError'

const databaseUrl = process.env.DATABASE_URL

describe.skipIf(!databaseUrl)('the PostgreSQL store when the server ends connections', () => {
  let store: Store
  let admin: pg.Client
  beforeAll(async () => {
    store = await postgresTestStore(databaseUrl as string).open()
    admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
  })
  afterAll(async () => {
    await admin.end()
    await store.close()
  })

  /** Ends a backend as a restart or `pg_terminate_backend` does, and waits until it is gone. */
  const terminate = async (pid: number) => {
    await admin.query('SELECT pg_terminate_backend($1)', [pid])
    await vi.waitFor(
      async () => {
        const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])
        expect(rows).toEqual([])
      },
      { timeout: 10_000, interval: 20 },
    )
    // The client reads the server's goodbye on its next turn of the event loop.
    await sleep(50)
  }

  it('the server process dies when PostgreSQL ends a connection during a write: the transaction fails alone, as StoreUnavailableError', async () => {
    await store.exec('CREATE TABLE IF NOT EXISTS dropped (n int)')
    const write = store.transaction(async (tx) => {
      await tx.query('INSERT INTO dropped VALUES (1)')
      const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      // Between two statements, the connection is ended: no query of ours is waiting for it.
      await terminate(row?.pid as number)
      await tx.query('INSERT INTO dropped VALUES (2)')
    })
    await expect(write).rejects.toBeInstanceOf(StoreUnavailableError)
    // Nothing of it was committed, and the store carries on with a new connection.
    expect(await store.query('SELECT n FROM dropped')).toEqual([])
    await store.transaction((tx) => tx.query('INSERT INTO dropped VALUES (3)'))
    expect(await store.query('SELECT n FROM dropped')).toEqual([{ n: 3 }])
  })

  it('a connection ended during a statement fails that statement alone, as StoreUnavailableError', async () => {
    const write = store.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      const pid = row?.pid as number
      // Its failure is kept, not left unhandled while the test ends the backend.
      const slow = tx.query('SELECT pg_sleep(30)').then(
        () => undefined,
        (error: unknown) => error,
      )
      await vi.waitFor(
        async () => {
          const { rows } = await admin.query(
            "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'",
            [pid],
          )
          expect(rows).toHaveLength(1)
        },
        { timeout: 10_000, interval: 20 },
      )
      await admin.query('SELECT pg_terminate_backend($1)', [pid])
      throw await slow
    })
    await expect(write).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await store.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('idle pooled connections ended all at once are replaced', async () => {
    const pids = await Promise.all(
      Array.from({ length: 4 }, () =>
        store.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
          await tx.query('SELECT pg_sleep(0.05)')
          return row?.pid as number
        }),
      ),
    )
    for (const pid of new Set(pids)) await terminate(pid)
    // The first query after may meet a connection the pool has not dropped yet: at worst a 503,
    // never a crash; the ones after find new connections.
    const first = await store.query('SELECT 1').catch((error: unknown) => error)
    expect(Array.isArray(first) || first instanceof StoreUnavailableError).toBe(true)
    expect(await store.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })
})

describe.skipIf(!databaseUrl)('the PostgreSQL store through a network that fails', () => {
  let proxy: TcpProxy
  let store: Store
  beforeAll(async () => {
    const target = new URL(databaseUrl as string)
    proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
    store = await postgresTestStore(proxy.urlFor(databaseUrl as string)).open()
  })
  afterAll(async () => {
    proxy.restore()
    await store.close()
    await proxy.close()
  })

  it('F6: while the database is out of reach, queries fail fast as StoreUnavailableError and ping is false; afterwards it recovers alone', async () => {
    proxy.cut()
    await expect(store.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.transaction((tx) => tx.query('SELECT 1'))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    )
    expect(await store.ping()).toBe(false)
    proxy.restore()
    await vi.waitFor(async () => expect(await store.ping()).toBe(true), { timeout: 10_000 })
    expect(await store.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('F6: a database that stops answering: readiness says false within 2 s, requests fail after the 5 s connection timeout, and it recovers alone', async () => {
    proxy.stall()
    // The pool drops the connections the stall cut; what follows must open new ones.
    await sleep(300)
    const started = performance.now()
    expect(await store.ping()).toBe(false)
    const pingMs = performance.now() - started
    // Answered by its timeout, not by a quick failure, and well before the connection gives up.
    expect(pingMs).toBeGreaterThan(1_500)
    expect(pingMs).toBeLessThan(4_000)
    // A request does not hang: its connection attempt gives up after 5 s, a 503 for the client.
    await expect(store.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError)
    proxy.restore()
    await vi.waitFor(async () => expect(await store.ping()).toBe(true), { timeout: 10_000 })
  })
})
