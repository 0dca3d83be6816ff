import { fork } from 'node:child_process'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { loadAppFolder } from '../../src/appFolder/loadAppFolder'
import { openSession } from '../../src/auth/sessions'
import { createUser } from '../../src/auth/users'
import { systemClock } from '../../src/Clock'
import { createLogger } from '../../src/createLogger'
import { createServer } from '../../src/createServer'
import { HTTP_SERVER_OPTIONS } from '../../src/startServer'
import type { BenchFigure, BenchScenario } from '../BenchScenario'
import { scratchStore } from '../scratchStore'

const demoApp = fileURLToPath(new URL('../../../../apps/demo/backend', import.meta.url))
const clients = fileURLToPath(new URL('../streamClients.ts', import.meta.url))
const SIZES = (process.env.BENCH_STREAMS ?? '1000,10000').split(',').map(Number)
const CHANGES_PER_SECOND = Number(process.env.BENCH_CHANGES_PER_SECOND ?? 100)
const SECONDS = Math.max(3, Number(process.env.BENCH_DURATION ?? 5))

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heap = (): number => {
  gc()
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  )
}

interface ClientMessage {
  readonly opened?: number
  readonly received?: readonly { seq: number; at: number }[]
}

/** One run: `streams` users, each with one open custom-data stream, and 100 changes/s among them. */
const run = async (kind: 'pglite' | 'postgres', streams: number): Promise<BenchFigure[]> => {
  const { store, dispose } = await scratchStore(kind)
  const server = await createServer({
    app: await loadAppFolder(demoApp),
    store,
    logger: createLogger((process.env.BENCH_LOG_LEVEL as 'warn' | undefined) ?? 'silent'),
    rateLimits: false,
  })
  const listener = await new Promise<{ url: string; close(): void }>((resolve) => {
    const http = serve(
      { fetch: server.fetch, port: 0, hostname: '127.0.0.1', serverOptions: HTTP_SERVER_OPTIONS },
      (info: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () => {
            if ('closeAllConnections' in http) http.closeAllConnections()
            http.close()
          },
        }),
    )
  })
  const child = fork(clients, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--import', 'tsx'],
  })
  try {
    const { customUserData } = server.context.app
    if (!customUserData) throw new Error('the demo app has custom data')
    const data = server.context.collections.open({
      service: customUserData.serviceName,
      db: customUserData.databaseName,
      coll: customUserData.collectionName,
      user: null,
      system: true,
      caller: 'function',
    })
    const tokens: string[] = []
    const userIds: string[] = []
    for (let i = 0; i < streams; i++) {
      const { userId, identityId } = await createUser(store, systemClock, {
        providerType: 'anon-user',
        providerId: 'anon-user',
        externalId: `bench-${i}-${Math.random()}`,
      })
      const { sessionId } = await openSession(store, systemClock, {
        userId,
        identityId,
        deviceId: '000000000000000000000001',
        lifetime: 3600,
        rotating: false,
        anonymous: true,
      })
      userIds.push(userId)
      tokens.push(
        await server.context.tokens.signAccessToken({
          userId,
          sessionId,
          deviceId: '000000000000000000000001',
          userData: { userId, theme: 'light', seq: -1 },
        }),
      )
    }
    for (let i = 0; i < streams; i += 1000) {
      await data.insertMany(
        userIds.slice(i, i + 1000).map((userId) => ({ userId, theme: 'light', seq: -1 })),
      )
    }

    // Planner statistics for the documents just written, as PostgreSQL's autovacuum would
    // gather (PGlite has none): without them its plans scan.
    if (process.env.BENCH_ANALYZE !== '0') await store.exec('ANALYZE')
    const received: { seq: number; at: number }[] = []
    let opened: () => void = () => {}
    const allOpen = new Promise<void>((resolve) => (opened = resolve))
    child.on('message', (message: ClientMessage) => {
      if (message.opened) opened()
      if (message.received) received.push(...message.received)
    })
    const before = heap()
    const openStarted = performance.now()
    child.send({
      url: `${listener.url}/api/client/v2.0/app/${server.context.app.appId}/live/custom-data`,
      tokens,
    })
    await allOpen
    const openSeconds = (performance.now() - openStarted) / 1000
    // Each stream is sent the stored document on opening (the tokens above lack its _id): the
    // measure starts once those have all arrived.
    const settled = Date.now() + 60_000
    while (received.length < streams && Date.now() < settled) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    // Let the last answers settle, then weigh what the open streams hold.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const perStream = (heap() - before) / streams

    // 100 changes a second, each to a random user's document, through the collection API.
    const committedAt = new Map<number, number>()
    const total = CHANGES_PER_SECOND * SECONDS
    const started = performance.now()
    for (let seq = 0; seq < total; seq++) {
      const due = started + (seq * 1000) / CHANGES_PER_SECOND
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      const userId = userIds[Math.floor(Math.random() * streams)]!
      await data.updateOne({ userId }, { $set: { seq } })
      committedAt.set(seq, Date.now())
    }
    const deadline = Date.now() + 15_000
    // The tokens of the changes (seq ≥ 0), not those the streams sent on opening (seq -1).
    const arrived = () => received.filter((entry) => entry.seq >= 0).length
    while (arrived() < total && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const latencies = received
      .filter((entry) => committedAt.has(entry.seq))
      .map((entry) => entry.at - committedAt.get(entry.seq)!)
    const label = `${streams} streams`
    return [
      { label: `${label}: open all`, value: openSeconds, unit: 's' },
      {
        label: `${label}: memory/stream`,
        value: perStream / 1024,
        unit: 'KiB (heap + external, server)',
      },
      {
        label: `${label}: fan-out p50`,
        value: percentile(latencies, 50),
        unit: 'ms (commit → event received)',
      },
      {
        label: `${label}: fan-out p99`,
        value: percentile(latencies, 99),
        unit: `ms (${CHANGES_PER_SECOND} changes/s)`,
      },
      {
        label: `${label}: tokens/changes`,
        value: latencies.length / total,
        // Two changes of one user read together send one token, carrying the later data.
        unit: `of ${total} changes (the rest coalesced)`,
      },
    ]
  } finally {
    child.kill()
    listener.close()
    await server.close()
    await dispose()
  }
}

/**
 * Live streams (docs/protocol.md §17.7): 1,000 and 10,000 open custom-data streams on one server
 * process (clients in another process), the server's memory per idle stream, and the latency
 * from a change's commit to its token's receipt at 100 changes/s spread over the users.
 */
export const scenario: BenchScenario = {
  name: 'streams',
  unit: 'streams',
  order: 200,
  async inProcess(kind) {
    const figures: BenchFigure[] = []
    for (const streams of SIZES) figures.push(...(await run(kind, streams)))
    return figures
  },
}
