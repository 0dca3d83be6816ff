import { appClient, mustLogIn, type Login } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { startServerProcess } from '../serverProcess'
import { runWorkers, statusTally } from '../statusTally'

const ROUND_MS = 8_000
const WORKERS = 8
const USERS = 20
// Resident memory may wander this much between rounds (allocator and V8 heap noise).
const TOLERANCE = 0.1

/**
 * A sustained mix of what clients do (refreshes, profile reads, function calls that write custom
 * data, collection reads and writes) in rounds that each do the same work over the same data, on
 * PGlite on disk, with the server's resident memory sampled after each round: after a warm-up
 * round, three rounds must not grow it. Function calls run in worker threads of the same process,
 * so their memory counts too.
 */
export const mixedLoadMemory: FaultScenario = {
  name: 'sustained mixed load, memory sampled',
  needsPostgres: false,
  timeoutMs: 150_000,
  async run(context) {
    const server = await startServerProcess({ dataDir: `${context.tempDir('faults-rss-')}/data` })
    try {
      const client = appClient(server.url)
      const users: Login[] = []
      for (let i = 0; i < USERS; i++) users.push(await mustLogIn(server.url))
      const tally = statusTally()
      const round = async (): Promise<number> => {
        const until = performance.now() + ROUND_MS
        let step = 0
        await runWorkers(
          WORKERS,
          async (worker) => {
            step += 1
            const user = users[(worker + step) % USERS] as Login
            switch (step % 5) {
              case 0:
                return tally.add(await client.refresh(user.refresh_token))
              case 1:
                return tally.add(await client.profile(user.access_token))
              case 2:
                return tally.add(
                  await client.callFunction(user.access_token, 'writeMine', [{ step: step % 50 }]),
                )
              case 3:
                return tally.add(
                  await client.findNotes(user.access_token, { ownerId: user.user_id }),
                )
              default:
                // Writes that replace rather than add: the data stays the same size.
                return tally.add(
                  await client.upsertNote(
                    user.access_token,
                    { ownerId: user.user_id, slot: step % 3 },
                    { step },
                  ),
                )
            }
          },
          () => performance.now() > until,
        )
        // Let the server settle (timers, idle workers) before reading its memory.
        await new Promise((resolve) => setTimeout(resolve, 1_500))
        return server.rssMiB()
      }
      await round() // warm-up: caches, JIT, worker threads, PGlite's buffers
      const samples = [await round(), await round(), await round()]
      check(server.alive(), 'the server process died')
      const others = tally.others([200, 201])
      check(others.length === 0, `answers other than 200/201: ${others.join(', ')}`)
      const [first = 0] = samples
      const grown = samples.filter((rss) => rss > first * (1 + TOLERANCE))
      check(
        grown.length === 0,
        `memory grew: ${samples.map((rss) => rss.toFixed(0)).join(' → ')} MiB`,
      )
      return `RSS ${samples.map((rss) => rss.toFixed(0)).join(' → ')} MiB over 3 rounds of ${ROUND_MS / 1000} s (${tally.total} requests, all 2xx)`
    } finally {
      await server.stop()
    }
  },
}
