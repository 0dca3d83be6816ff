import pg from 'pg'
import { appClient, mustLogIn } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { startServerProcess } from '../serverProcess'
import { runWorkers, statusTally, waitUntil } from '../statusTally'

const ROUNDS = 6

/**
 * `pg_terminate_backend` on every connection of the server, six times under a load of writes and
 * reads (what a restart, a failover or an idle-connection killer does): the process stays up,
 * the requests that used those connections fail with 503 and `Retry-After`, and no other answer
 * is ever a 500 or a dropped connection.
 */
export const terminatedBackends: FaultScenario = {
  name: 'F6: PostgreSQL backends terminated under load',
  needsPostgres: true,
  timeoutMs: 120_000,
  async run(context) {
    const databaseUrl = await context.createDatabase('faults_terminate')
    const server = await startServerProcess({ databaseUrl })
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    try {
      const login = await mustLogIn(server.url)
      const client = appClient(server.url)
      const tally = statusTally()
      let missingRetryAfter = 0
      let stop = false
      let n = 0
      const load = runWorkers(
        8,
        async (worker) => {
          n += 1
          const answer =
            worker % 2 === 0
              ? await client.insertNote(login.access_token, { ownerId: login.user_id, n })
              : await client.findNotes(login.access_token, { ownerId: login.user_id, n: -1 })
          tally.add(answer)
          if (answer.status === 503 && answer.retryAfter === null) missingRetryAfter += 1
        },
        () => stop,
      )
      let terminated = 0
      for (let round = 0; round < ROUNDS; round++) {
        await new Promise((resolve) => setTimeout(resolve, 400))
        const { rows } = await admin.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND backend_type = 'client backend'`,
        )
        terminated += rows.filter((row) => row.ended).length
      }
      await new Promise((resolve) => setTimeout(resolve, 400))
      stop = true
      await load
      check(server.alive(), 'the server process died')
      check(terminated >= ROUNDS, `only ${terminated} backends were terminated`)
      const others = tally.others([200, 503])
      check(others.length === 0, `answers other than 200 and 503: ${others.join(', ')}`)
      check(missingRetryAfter === 0, `${missingRetryAfter} answers 503 without Retry-After`)
      // And it serves again, on new connections.
      await waitUntil(
        async () => (await client.findNotes(login.access_token, { n: -1 })).status === 200,
        10_000,
        'serving again',
      )
      return `${terminated} backends ended in ${ROUNDS} rounds; ${tally.total} requests: ${tally.toString()}; process alive`
    } finally {
      await admin.end()
      await server.stop()
    }
  },
}
