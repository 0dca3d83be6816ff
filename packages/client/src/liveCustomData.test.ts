import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startTestServer,
  testStores,
  TEST_PASSWORD_HASHING,
  type TestServer,
} from '@react-custom-data/server/testing'
import { openStore, startServer } from '@react-custom-data/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { App } from './App'
import { Credentials } from './Credentials'
import { createMemoryStorage } from './storage'
import { clientAppDir, sleep } from './testUtils'

const waitUntil = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 20_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** An App on its own storage (a device of its own), counting the requests it sends. */
const device = (baseUrl: string, live = true) => {
  const sent: string[] = []
  const app = new App({
    id: 'client-app',
    baseUrl,
    storage: createMemoryStorage(),
    liveCustomData: live,
    fetch: (url, init) => {
      sent.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`)
      return fetch(url, init)
    },
  })
  return { app, sent }
}

const plan = (app: App): unknown => (app.currentUser?.customData as { plan?: unknown }).plan

describe.each(testStores())(
  'live custom data in the client against the server on $kind',
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ appDir: clientAppDir, storeKind })
    })
    afterAll(() => server.close())

    it('two devices of one user see a change made by a third, with no request of their own', async () => {
      const username = `live-${Math.random().toString(36).slice(2)}`
      const credentials = Credentials.function({ username, pin: 1234 })
      const streams = server.server.context.live.size
      const phone = device(server.url)
      const laptop = device(server.url)
      await phone.app.logIn(credentials)
      await laptop.app.logIn(credentials)
      await waitUntil(() => server.server.context.live.size === streams + 2, 'both streams')
      phone.sent.length = 0
      laptop.sent.length = 0

      const writer = device(server.url, false)
      const user = await writer.app.logIn(credentials)
      await user.functions.writeCustomUserData!({ plan: 'pro' })
      await waitUntil(() => plan(phone.app) === 'pro' && plan(laptop.app) === 'pro', 'the change')
      // A plain SQL UPDATE reaches them the same way.
      await server.store.query(
        `UPDATE documents SET doc = jsonb_set(doc, '{plan}', '"team"')
        WHERE db = 'client-db' AND coll = 'custom-user-data' AND doc->>'userId' = $1`,
        [user.id],
      )
      await waitUntil(
        () => plan(phone.app) === 'team' && plan(laptop.app) === 'team',
        'the SQL change',
      )
      expect([...phone.sent, ...laptop.sent]).toEqual([])

      // Logging out on one device ends only that device's stream.
      await phone.app.currentUser!.logOut()
      await waitUntil(() => server.server.context.live.size === streams + 1, 'the stream to end')
      await laptop.app.currentUser!.logOut()
      await waitUntil(() => server.server.context.live.size === streams, 'no stream left')
    })

    it('opens no stream when turned off', async () => {
      const streams = server.server.context.live.size
      const { app } = device(server.url, false)
      await app.logIn(Credentials.anonymous())
      await sleep(300)
      expect(server.server.context.live.size).toBe(streams)
    })
  },
)

describe('live custom data across a server restart', () => {
  it('reconnects and shows what changed while the server was away, in one stream', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'live-restart-'))
    const options = {
      appDir: clientAppDir,
      logLevel: 'silent' as const,
      store: { dataDir },
      server: { rateLimits: false as const, passwordHashing: TEST_PASSWORD_HASHING },
    }
    let running = await startServer({ ...options, port: 0 })
    const { port } = running
    const { app, sent } = device(running.url)
    const user = await app.logIn(Credentials.anonymous())
    await user.functions.writeCustomUserData!({ plan: 'free' })
    await waitUntil(() => running.server.context.live.size === 1, 'the stream')
    await running.close()

    // While the server is down, the data changes.
    const store = await openStore({ dataDir })
    await store.query(
      `UPDATE documents SET doc = jsonb_set(doc, '{plan}', '"pro"')
        WHERE db = 'client-db' AND coll = 'custom-user-data' AND doc->>'userId' = $1`,
      [user.id],
    )
    await store.close()
    sent.length = 0
    running = await startServer({ ...options, port })
    try {
      await waitUntil(() => plan(app) === 'pro', 'the change made while away')
      // Reconnecting cost the stream request(s) alone: no refresh, no read.
      expect(sent.every((line) => line.endsWith('/live/custom-data'))).toBe(true)
      await app.currentUser!.logOut()
    } finally {
      await running.close()
    }
  }, 60_000)
})
