import { cpSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { appClient, mustLogIn } from '../appClient'
import { check, type FaultContext, type FaultScenario } from '../FaultScenario'
import { FUNCTIONS_APP_DIR, startServerProcess, type ServerOptions } from '../serverProcess'
import { runWorkers, waitUntil } from '../statusTally'

const KILLS = 2
const WRITERS = 8
const WRITES_PER_ROUND = 150

/**
 * The functions app with a database trigger on app.notes: for each note written by a client it
 * writes a delivery note (`delivered: <key>`), which its `match` leaves out.
 */
const triggerApp = (context: FaultContext): string => {
  const dir = join(context.tempDir('faults-trigger-app-'), 'app')
  cpSync(FUNCTIONS_APP_DIR, dir, { recursive: true })
  const configPath = join(dir, 'functions', 'config.json')
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as unknown[]
  writeFileSync(configPath, JSON.stringify([...config, { name: 'onNote', private: true }]))
  writeFileSync(
    join(dir, 'functions', 'onNote.js'),
    `exports = async function (event) {
      await context.services.get('mongodb-atlas').db('app').collection('notes').insertOne({
        ownerId: event.fullDocument.ownerId,
        delivered: event.fullDocument.key,
      })
    }`,
  )
  mkdirSync(join(dir, 'triggers'))
  writeFileSync(
    join(dir, 'triggers', 'onNote.json'),
    JSON.stringify({
      name: 'onNote',
      type: 'DATABASE',
      config: {
        database: 'app',
        collection: 'notes',
        operation_types: ['INSERT'],
        match: { 'fullDocument.delivered': { $exists: false } },
        unordered: true,
      },
      event_processors: { FUNCTION: { config: { function_name: 'onNote' } } },
    }),
  )
  return dir
}

/**
 * `kill -9` of the server while clients write and the trigger delivers: after each restart the
 * deliveries resume, and at the end every acknowledged write has had its trigger run at least
 * once. Prints how many ran twice (a delivery cut off after its function wrote, before its
 * completion was recorded, runs again: at least once, not exactly once).
 */
const killDuringTriggers = (
  name: string,
  needsPostgres: boolean,
  storeOf: (context: FaultContext) => Promise<ServerOptions>,
): FaultScenario => ({
  name,
  needsPostgres,
  timeoutMs: 300_000,
  async run(context) {
    const options = { ...(await storeOf(context)), appDir: triggerApp(context) }
    let server = await startServerProcess(options)
    const login = await mustLogIn(server.url)
    const acknowledged = new Set<string>()
    const deliveries = async (): Promise<string[]> => {
      const found = await appClient(server.url).findNotes(login.access_token, {
        ownerId: login.user_id,
        delivered: { $exists: true },
      })
      check(found.status === 200, `reading deliveries answered ${found.status}`)
      return (found.body as unknown as { delivered: string }[]).map((note) => note.delivered)
    }
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
        // Deliveries are under way too: some done, some running, some queued.
        await server.kill9()
        stop = true
        await writers
        server = await startServerProcess(options)
      }
      // A killed holder's lease lapses (30 s), then its events are delivered again.
      let delivered: string[] = []
      await waitUntil(
        async () => {
          delivered = await deliveries()
          const seen = new Set(delivered)
          return [...acknowledged].every((key) => seen.has(key))
        },
        180_000,
        'every acknowledged write delivered',
      )
      const counts = new Map<string, number>()
      for (const key of delivered) counts.set(key, (counts.get(key) ?? 0) + 1)
      const twice = [...counts.values()].filter((count) => count > 1).length
      return `${KILLS} kills mid-delivery: ${acknowledged.size} acknowledged writes, all delivered, ${twice} delivered more than once`
    } finally {
      await server.stop()
    }
  },
})

export const killDuringTriggersPglite = killDuringTriggers(
  'K2: kill -9 during trigger delivery, PGlite on disk',
  false,
  (context) => Promise.resolve({ dataDir: `${context.tempDir('faults-trig-')}/data` }),
)

export const killDuringTriggersPostgres = killDuringTriggers(
  'K2: kill -9 during trigger delivery, PostgreSQL',
  true,
  async (context) => ({ databaseUrl: await context.createDatabase('faults_trig') }),
)
