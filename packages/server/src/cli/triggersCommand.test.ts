import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection } from '../collection/createCollection'
import { openStore } from '../store/openStore'
import { spawnCli } from '../testing/spawnCli'
import { startTestServer } from '../testing/startTestServer'
import type { TestStoreKind } from '../testing/testStores'
import { writeTriggerApp } from '../triggers/triggerAppFixture'

const APP_ID = 'triggers-app-abcde'

const until = async (condition: () => Promise<boolean>): Promise<void> => {
  const end = Date.now() + 60_000
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Runs `custom-data-server triggers ...`; answers its exit code and its JSON lines. */
const cli = async (args: string[]) => {
  const run = spawnCli(['triggers', ...args])
  const code = await run.exited
  const { stdout, stderr } = run.output()
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { code, stdout, stderr, lines }
}

interface Where {
  readonly kind: string
  /** The store of the server, as the CLI reaches it too. */
  storeKind(): Promise<TestStoreKind>
  readonly flags: string[]
  /** PGlite's data folder is locked while the server runs: stop it before the CLI. */
  readonly stopFirst: boolean
  cleanup(): Promise<void>
}

const pgliteOnDisk = async (): Promise<Where> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'triggers-cli-'))
  return {
    kind: 'pglite',
    storeKind: () =>
      Promise.resolve({
        kind: 'pglite',
        open: () => openStore({ dataDir }, { appId: APP_ID }),
      }),
    flags: ['--data', dataDir],
    stopFirst: true,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  }
}

const postgres = (databaseUrl: string): Promise<Where> => {
  const schema = `t_cli_${Date.now().toString(36)}`
  return Promise.resolve({
    kind: 'postgres',
    storeKind: () =>
      Promise.resolve({
        kind: 'postgres',
        open: () => openStore({ databaseUrl, schema }),
      }),
    flags: ['--database-url', databaseUrl, '--database-schema', schema],
    stopFirst: false,
    cleanup: async () => {
      const store = await openStore({ databaseUrl, schema })
      await store.query(`DROP SCHEMA ${schema} CASCADE`)
      await store.close()
    },
  })
}

const places = [
  pgliteOnDisk,
  ...(process.env.DATABASE_URL ? [() => postgres(process.env.DATABASE_URL as string)] : []),
]

describe.each(places.map((make) => ({ make })))('custom-data-server triggers (%#)', ({ make }) => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup()
  })

  it('lists triggers, shows the failed event, skips and retries it', async () => {
    const where = await make()
    cleanups.push(() => where.cleanup())
    const app = await writeTriggerApp({
      triggers: {
        strict: {
          name: 'strict',
          type: 'DATABASE',
          config: { database: 'app', collection: 'jobs', operation_types: ['INSERT'] },
          event_processors: { FUNCTION: { config: { function_name: 'strict' } } },
        },
      },
      functions: {
        strict: `exports = async function (event) {
          if (event.fullDocument.bad) throw new Error('bad job ' + event.documentKey._id)
        }`,
      },
    })
    cleanups.push(() => app.remove())
    let server = await startTestServer({
      appDir: app.dir,
      storeKind: await where.storeKind(),
      triggers: { maxAttempts: 2, retryBaseMs: 20, pollIntervalMs: 100 },
    })
    const jobs = () => createCollection({ store: server.store, db: 'app', coll: 'jobs' })
    await jobs().insertOne({ _id: 'a', bad: true })
    await jobs().insertOne({ _id: 'b', bad: true })
    const failedCount = async () =>
      Number(
        (
          await server.store.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM trigger_events WHERE state = 'failed'`,
          )
        )[0]?.n,
      )
    await until(async () => (await failedCount()) === 1)
    if (where.stopFirst) await server.close()

    const flags = ['--app', app.dir, ...where.flags]
    const list = await cli(['list', ...flags])
    expect(list.code).toBe(0)
    expect(list.lines).toEqual([
      {
        name: 'strict',
        type: 'DATABASE',
        state: 'failing',
        pending: 2,
        failed: 1,
        lagSeconds: expect.any(Number),
        lastError: 'bad job a',
      },
    ])
    const failed = await cli(['failed', ...flags])
    expect(failed.lines).toEqual([
      {
        event: expect.stringMatching(/^\d+$/),
        trigger: 'strict',
        attempts: 2,
        error: 'bad job a',
        createdAt: expect.any(String),
        payload: expect.objectContaining({ operationType: 'insert', documentKey: { _id: 'a' } }),
      },
    ])
    const id = String(failed.lines[0]?.event)
    const skip = await cli(['skip', id, ...flags])
    expect(skip.code).toBe(0)
    expect(skip.stdout).toContain(`event ${id} skipped`)
    const again = await cli(['skip', id, ...flags])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain(`no failed trigger event "${id}"`)
    expect((await cli(['retry', ...flags])).stderr).toContain('needs the event')

    // The ordered trigger went on to b, which fails too; retry puts it back with fresh attempts.
    if (where.stopFirst) {
      server = await startTestServer({
        appDir: app.dir,
        storeKind: await where.storeKind(),
        triggers: { maxAttempts: 2, retryBaseMs: 20, pollIntervalMs: 100 },
      })
    }
    await until(async () => (await failedCount()) === 1)
    await server.close()
    const [b] = (await cli(['failed', ...flags])).lines
    expect(b).toMatchObject({ error: 'bad job b' })
    const retry = await cli(['retry', String(b?.event), ...flags])
    expect(retry.stdout).toContain(`event ${String(b?.event)} queued again`)
    expect((await cli(['failed', ...flags])).lines).toEqual([])
    expect((await cli(['list', ...flags])).lines[0]).toMatchObject({ state: 'running', pending: 1 })
  }, 120_000)
})
