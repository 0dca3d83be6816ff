import { appClient, mustLogIn, type Login } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { startServerProcess } from '../serverProcess'
import { runWorkers, statusTally } from '../statusTally'

const ROUND_MS = 8_000
const WORKERS = 8
const USERS = 20
// Resident memory wanders by up to about a tenth between rounds (V8's heap, the allocator,
// PGlite's WebAssembly memory): a leak is growth at every round, or far beyond that noise.
const STEADY_GROWTH = 0.05
const MAX_GROWTH = 0.2
// Open descriptors may differ by a few sockets still closing.
const FD_TOLERANCE = 10

/**
 * A sustained mix of what clients do (refreshes, profile reads, function calls that write custom
 * data, collection reads and writes) in rounds that each do the same work over the same data, on
 * PGlite on disk, with the server's resident memory and open descriptors sampled after each
 * round: after a warm-up round, four rounds must not grow them (not at every round, not by a
 * fifth in all; descriptors by at most a few). Function calls run in worker threads of the same process,
 * so their memory counts too.
 */
export const mixedLoadMemory: FaultScenario = {
  name: 'I4: sustained mixed load, memory sampled',
  needsPostgres: false,
  timeoutMs: 150_000,
  async run(context) {
    const server = await startServerProcess({ dataDir: `${context.tempDir('faults-rss-')}/data` })
    try {
      const client = appClient(server.url)
      const users: Login[] = []
      for (let i = 0; i < USERS; i++) users.push(await mustLogIn(server.url))
      const tally = statusTally()
      const round = async (): Promise<{ rss: number; files: number }> => {
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
        return { rss: server.rssMiB(), files: server.openFiles() }
      }
      // Warm-up: caches, JIT, worker threads, and PGlite's buffer pool, which fills over more
      // than one round (one warm-up round once left a first sample 60 MiB below the rest, and a
      // steady +1 % a round then read as growth at every round).
      await round()
      await round()
      const samples = [await round(), await round(), await round(), await round()]
      check(server.alive(), 'the server process died')
      const others = tally.others([200, 201])
      check(others.length === 0, `answers other than 200/201: ${others.join(', ')}`)
      const rss = samples.map((sample) => sample.rss.toFixed(0)).join(' → ')
      const files = samples.map((sample) => sample.files).join(' → ')
      const [first = { rss: 0, files: 0 }] = samples
      const last = samples.at(-1) ?? first
      const grewEveryRound = samples.every(
        (sample, i) => i === 0 || sample.rss > (samples[i - 1]?.rss ?? 0),
      )
      check(
        !(grewEveryRound && last.rss > first.rss * (1 + STEADY_GROWTH)),
        `memory grew at every round: ${rss} MiB`,
      )
      check(
        samples.every((sample) => sample.rss <= first.rss * (1 + MAX_GROWTH)),
        `memory grew: ${rss} MiB`,
      )
      check(
        samples.every((sample) => sample.files <= first.files + FD_TOLERANCE),
        `open files grew: ${files}`,
      )
      return `RSS ${rss} MiB, open files ${files}, over 4 rounds of ${ROUND_MS / 1000} s (${tally.total} requests, all 2xx)`
    } finally {
      await server.stop()
    }
  },
}
