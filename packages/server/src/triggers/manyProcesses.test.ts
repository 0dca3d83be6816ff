import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '../collection/createCollection'
import { decodeEjson } from '../ejson/ejsonCodec'
import { openStore } from '../store/openStore'
import type { Store } from '../store/Store'
import { spawnCli, type CliProcess } from '../testing/spawnCli'
import { writeTriggerApp } from './triggerAppFixture'

const databaseUrl = process.env.DATABASE_URL

// Records which server process ran it: the "instance" value comes from each process's own
// SECRET_INSTANCE variable.
const record = (trigger: string) => `
exports = async function (event) {
  await context.services.get('mongodb-atlas').db('t').collection('log').insertOne({
    trigger: ${JSON.stringify(trigger)},
    instance: context.values.get('instance'),
    id: event ? event.documentKey._id : null,
  })
}
`

describe.skipIf(!databaseUrl)(
  'triggers with two server processes on one PostgreSQL database',
  () => {
    const schema = `t_two_${Date.now().toString(36)}`
    const servers: CliProcess[] = []
    let store: Store
    let remove: () => Promise<void>

    beforeAll(async () => {
      const app = await writeTriggerApp({
        triggers: {
          work: {
            name: 'work',
            type: 'DATABASE',
            config: {
              database: 'app',
              collection: 'work',
              operation_types: ['INSERT'],
              unordered: true,
            },
            event_processors: { FUNCTION: { config: { function_name: 'work' } } },
          },
          everyMinute: {
            name: 'everyMinute',
            type: 'SCHEDULED',
            config: { schedule: '* * * * *' },
            event_processors: { FUNCTION: { config: { function_name: 'everyMinute' } } },
          },
        },
        functions: { work: record('work'), everyMinute: record('everyMinute') },
      })
      remove = () => app.remove()
      await mkdir(join(app.dir, 'values'), { recursive: true })
      await writeFile(
        join(app.dir, 'values', 'instance.json'),
        JSON.stringify({ name: 'instance', value: 'instance', from_secret: true }),
      )
      for (const instance of ['A', 'B']) {
        const server = spawnCli(
          [
            'start',
            '--app',
            app.dir,
            '--port',
            '0',
            '--database-url',
            databaseUrl as string,
            '--database-schema',
            schema,
          ],
          { SECRET_INSTANCE: instance },
        )
        servers.push(server)
        await server.listening()
      }
      store = await openStore({ databaseUrl: databaseUrl as string, schema })
    }, 120_000)
    afterAll(async () => {
      for (const server of servers) {
        server.child.kill('SIGTERM')
        await server.exited
      }
      await store.query(`DROP SCHEMA ${schema} CASCADE`)
      await store.close()
      await remove()
    })

    const log = async (trigger: string) =>
      (
        await store.query<{ doc: string }>(
          `SELECT coalesce(doc_text, doc::text) AS doc FROM documents
          WHERE db = 't' AND coll = 'log' AND doc->>'trigger' = $1 ORDER BY seq`,
          [trigger],
        )
      ).map((row) => decodeEjson(JSON.parse(row.doc)) as { instance: string; id: unknown })

    const until = async (condition: () => Promise<boolean>, timeoutMs = 120_000) => {
      const end = Date.now() + timeoutMs
      while (!(await condition())) {
        if (Date.now() > end) throw new Error('timed out waiting for the condition')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }

    it('splits the events between them: none lost, none delivered twice', async () => {
      const work = createCollection({ store, db: 'app', coll: 'work' })
      const total = 600
      for (let start = 0; start < total; start += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => work.insertOne({ _id: start + i })))
      }
      await until(async () => (await log('work')).length >= total)
      // Both live: nothing is delivered twice, even a while later.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const entries = await log('work')
      const ids = entries.map((entry) => entry.id as number)
      expect(new Set(ids).size).toBe(total)
      expect(ids).toHaveLength(total)
      const byInstance = { A: 0, B: 0 } as Record<string, number>
      for (const entry of entries)
        byInstance[entry.instance] = (byInstance[entry.instance] ?? 0) + 1
      console.info(`two processes: A delivered ${byInstance.A}, B delivered ${byInstance.B}`)
      expect(byInstance.A).toBeGreaterThan(0)
      expect(byInstance.B).toBeGreaterThan(0)
    }, 180_000)

    it('runs a scheduled tick once, whatever the number of processes', async () => {
      await until(async () => (await log('everyMinute')).length >= 1, 90_000)
      // Both processes reached that tick; a second run of it would be here by now.
      await new Promise((resolve) => setTimeout(resolve, 5000))
      const runs = await log('everyMinute')
      expect(runs.length).toBe(1)
    }, 120_000)
  },
)
