import { appClient, mustLogIn } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { freePort } from '../freePort'
import { startServerProcess } from '../serverProcess'
import { runWorkers, statusTally, waitUntil } from '../statusTally'

const OUTAGE_MS = 5_000

/**
 * The database stops for five seconds under a load of writes and reads (`pg_ctl stop -m fast`,
 * then start): requests fail fast with 503, `/health/ready` says 503 while `/health/alive` stays
 * 200, and once the database is back the same process serves again by itself.
 */
export const databaseOutage: FaultScenario = {
  name: 'F6: PostgreSQL outage of 5 s under load',
  needsPostgres: true,
  timeoutMs: 120_000,
  async run(context) {
    const cluster = context.cluster
    check(cluster, 'no PostgreSQL cluster')
    const databaseUrl = await context.createDatabase('faults_outage')
    const server = await startServerProcess({ databaseUrl })
    try {
      const login = await mustLogIn(server.url)
      const client = appClient(server.url)
      const before = statusTally()
      const during = statusTally()
      let phase: 'before' | 'during' | 'after' = 'before'
      let stop = false
      let n = 0
      const load = runWorkers(
        6,
        async (worker) => {
          n += 1
          const answer =
            worker % 2 === 0
              ? await client.insertNote(login.access_token, { ownerId: login.user_id, n })
              : await client.findNotes(login.access_token, { n: -1 })
          if (phase === 'during') during.add(answer)
          else if (phase === 'before') before.add(answer)
          // Keep the load at a bounded pace while every answer is a fast 503.
          if (answer.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20))
        },
        () => stop,
      )
      await waitUntil(() => before.count(200) >= 50, 30_000, 'load before the outage')
      cluster.stop()
      phase = 'during'
      const outageStarted = performance.now()
      const ready = await client.health('ready')
      const alive = await client.health('alive')
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, OUTAGE_MS - (performance.now() - outageStarted))),
      )
      phase = 'after'
      cluster.start()
      const recoveredMs = await waitUntil(
        async () => (await client.health('ready')).status === 200,
        30_000,
        'ready again after the outage',
      )
      await waitUntil(
        async () => (await client.findNotes(login.access_token, { n: -1 })).status === 200,
        10_000,
        'serving again',
      )
      stop = true
      await load
      check(server.alive(), 'the server process died')
      check(ready.status === 503, `/health/ready answered ${ready.status} during the outage`)
      check(alive.status === 200, `/health/alive answered ${alive.status} during the outage`)
      const others = during.others([200, 503])
      check(
        others.length === 0,
        `answers other than 200 and 503 during the outage: ${others.join(', ')}`,
      )
      check(during.count(503) > 0, 'no request met the outage')
      check(
        during.slowestMs < 6_000,
        `a request waited ${during.slowestMs.toFixed(0)} ms during the outage`,
      )
      return `${OUTAGE_MS / 1000} s outage: ${during.toString()} (slowest ${during.slowestMs.toFixed(0)} ms); ready ${(recoveredMs / 1000).toFixed(1)} s after the database; alive throughout`
    } finally {
      if (context.cluster) {
        try {
          context.cluster.start()
        } catch {
          // Already running.
        }
      }
      await server.stop()
    }
  },
}

/**
 * The server starts while PostgreSQL is down: it waits (alive 200, ready 503, other requests 503)
 * and serves as soon as the database is up, without a restart.
 */
export const startWhileDown: FaultScenario = {
  name: 'F6: server started while PostgreSQL is down',
  needsPostgres: true,
  timeoutMs: 120_000,
  async run(context) {
    const cluster = context.cluster
    check(cluster, 'no PostgreSQL cluster')
    const databaseUrl = await context.createDatabase('faults_start_down')
    cluster.stop()
    const port = await freePort()
    const server = await startServerProcess({ databaseUrl, port, noWait: true })
    try {
      const client = appClient(server.url)
      await waitUntil(
        async () => (await client.health('alive')).status === 200,
        60_000,
        'alive while waiting',
      )
      const ready = await client.health('ready')
      const login = await client.logIn()
      // Let it try and fail a few times: it must keep waiting, not exit.
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      check(server.alive(), 'the server exited while the database was down')
      check(ready.status === 503, `/health/ready answered ${ready.status} while waiting`)
      check(
        login.status === 503 && login.retryAfter !== null,
        `a login answered ${login.status} while waiting`,
      )
      cluster.start()
      const started = performance.now()
      await server.cli.listening()
      const readyMs = performance.now() - started
      check((await client.health('ready')).status === 200, 'not ready after the database started')
      check((await client.logIn()).status === 200, 'no login after the database started')
      return `waited with alive 200, ready 503, requests 503; served ${(readyMs / 1000).toFixed(1)} s after the database started`
    } finally {
      try {
        cluster.start()
      } catch {
        // Already running.
      }
      await server.stop()
    }
  },
}
