import { appClient, mustLogIn } from '../appClient'
import { check, type FaultContext, type FaultScenario } from '../FaultScenario'
import { startServerProcess, type ServerOptions } from '../serverProcess'
import { runWorkers, waitUntil } from '../statusTally'

const KILLS = 3
const WRITERS = 12
// Each round kills the server once this many more writes were acknowledged.
const WRITES_PER_ROUND = 120

/**
 * `kill -9` of the server while 12 clients insert documents: after each kill the server starts
 * again on the same data, and at the end every write the server acknowledged (answered 200) must
 * be there. Writes cut off by the kill may or may not be; none may be lost once acknowledged.
 */
const killDuringWrites = (
  name: string,
  needsPostgres: boolean,
  storeOf: (context: FaultContext) => Promise<ServerOptions>,
): FaultScenario => ({
  name,
  needsPostgres,
  timeoutMs: 240_000,
  async run(context) {
    const options = await storeOf(context)
    let server = await startServerProcess(options)
    const login = await mustLogIn(server.url)
    const acknowledged = new Set<string>()
    const restartMs: number[] = []
    try {
      for (let round = 0; round < KILLS; round++) {
        const client = appClient(server.url)
        let stop = false
        let sent = 0
        const writers = runWorkers(
          WRITERS,
          async (worker) => {
            const key = `${round}-${worker}-${(sent += 1)}`
            const answer = await client.insertNote(login.access_token, {
              ownerId: login.user_id,
              key,
            })
            if (answer.status === 200) acknowledged.add(key)
          },
          () => stop,
        )
        const target = acknowledged.size + WRITES_PER_ROUND
        await waitUntil(() => acknowledged.size >= target, 60_000, 'acknowledged writes')
        // In the middle of the load: writes are on their way in every state.
        await server.kill9()
        stop = true
        await writers
        const started = performance.now()
        server = await startServerProcess(options)
        restartMs.push(performance.now() - started)
      }
      const found = await appClient(server.url).findNotes(login.access_token, {
        ownerId: login.user_id,
      })
      check(found.status === 200, `reading back answered ${found.status}`)
      const stored = new Set(
        (found.body as unknown as { key: string }[]).map((document) => document.key),
      )
      const lost = [...acknowledged].filter((key) => !stored.has(key))
      check(
        lost.length === 0,
        `${lost.length} of ${acknowledged.size} acknowledged writes lost: ${lost.slice(0, 5).join(', ')}`,
      )
      const slowest = Math.max(...restartMs) / 1000
      return `${KILLS} kills mid-write: ${acknowledged.size} writes acknowledged, 0 lost; restart ≤ ${slowest.toFixed(1)} s`
    } finally {
      await server.stop()
    }
  },
})

export const killDuringWritesPglite = killDuringWrites(
  'F2, F3: kill -9 during concurrent writes, PGlite on disk',
  false,
  (context) => Promise.resolve({ dataDir: `${context.tempDir('faults-kill-')}/data` }),
)

export const killDuringWritesPostgres = killDuringWrites(
  'F2, F3: kill -9 during concurrent writes, PostgreSQL',
  true,
  async (context) => ({ databaseUrl: await context.createDatabase('faults_kill') }),
)
