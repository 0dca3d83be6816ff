import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ObjectId } from 'bson'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { createLogger } from '../createLogger'
import { createServer } from '../createServer'
import type { Store } from '../store/Store'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { pgliteTestStore, testStores } from '../testing/testStores'
import { createInProcessServer, decodeJwtPayload, type InProcessServer } from '../testUtils'

const functionsAppDir: string = fileURLToPath(
  new URL('../../fixtures/functions-app', import.meta.url),
)

const SECRETS = { functionsAppApiKey: 'k-123' }

/** A logger that keeps every line, to look at what the server logged. */
const capturingLogger = () => {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  return { logger, lines }
}

const call = async (
  s: InProcessServer,
  token: string,
  request: { name: string; args?: unknown[]; headers?: Record<string, string> },
) =>
  s.request('POST', `/app/${s.appId}/functions/call`, {
    token,
    headers: request.headers ?? {},
    body: { name: request.name, arguments: request.args ?? [] },
  })

describe.each(testStores())('the function runtime on $kind', (storeKind) => {
  let s: InProcessServer
  const logs = capturingLogger()
  beforeAll(async () => {
    s = await createInProcessServer(storeKind, {
      appDir: functionsAppDir,
      secrets: SECRETS,
      logger: logs.logger,
    })
  })
  afterAll(() => s.close())

  it('G1: runs a public function for the caller, with the context App Services gives', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, {
      name: 'whoAmI',
      headers: { 'user-agent': 'test-agent' },
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      id: login.user_id,
      type: 'normal',
      identities: ['anon-user'],
      customData: expect.objectContaining({ userId: login.user_id, plan: 'free' }),
      system: false,
      greeting: { text: 'hello', count: { $numberInt: '2' } },
      apiKey: 'k-123',
      missingValue: true,
      environment: { tag: '', values: {} },
      app: 'functions-app-abcde',
      method: 'POST',
      userAgent: 'test-agent',
      remoteIPAddress: '',
      sawAuthorization: false,
      atlas: 'object',
      otherService: 'undefined',
    })
  })

  it('G1: context.request.remoteIPAddress is the client, behind a trusted proxy too', async () => {
    const proxied = await startTestServer({
      appDir: functionsAppDir,
      secrets: SECRETS,
      trustedProxies: ['127.0.0.1'],
    })
    try {
      const api = `${proxied.url}/api/client/v2.0/app/functions-app-abcde`
      const login = (await (
        await fetch(`${api}/auth/providers/anon-user/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { access_token: string }
      const whoAmI = async (forwardedFor?: string) => {
        const answer = await fetch(`${api}/functions/call`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${login.access_token}`,
            ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
          },
          body: JSON.stringify({ name: 'whoAmI', arguments: [] }),
        })
        return ((await answer.json()) as { remoteIPAddress: string }).remoteIPAddress
      }
      expect(await whoAmI()).toBe('127.0.0.1')
      // The proxy appended the client; what the client wrote before it is not believed.
      expect(await whoAmI('6.6.6.6, 203.0.113.7')).toBe('203.0.113.7')
    } finally {
      await proxied.close()
    }
  })

  it('G1: a caller without a token gets 401 and the function never runs', async () => {
    const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
      body: { name: 'whoAmI', arguments: [] },
    })
    expect(answer.status).toBe(401)
    expect(answer.body).toMatchObject({ error_code: 'MissingAuthReq' })
  })

  it('runs on_user_creation_function_name as the system user at the first login', async () => {
    const login = await s.logInAnonymously()
    const claims = decodeJwtPayload(login.access_token)
    expect(claims.user_data).toMatchObject({ userId: login.user_id, createdBy: 'onUserCreated' })
  })

  it('G2: a private function is a 404 like a missing one, and callable from another function', async () => {
    const login = await s.logInAnonymously()
    for (const name of ['utils/hidden', 'no/such/function']) {
      const answer = await call(s, login.access_token, { name })
      expect(answer.status).toBe(404)
      expect(answer.body).toEqual({
        error: `function not found: '${name}'`,
        error_code: 'FunctionNotFound',
      })
    }
    const nested = await call(s, login.access_token, { name: 'callPrivate', args: [2, 3] })
    expect(nested.status).toBe(200)
    expect(nested.body).toEqual({ sum: { $numberInt: '5' }, by: 'utils/hidden' })
  })

  it("G3: an application-auth function cannot read or write another user's document; a private system function can", async () => {
    const alice = await s.logInAnonymously()
    const bob = await s.logInAnonymously()
    const read = await call(s, alice.access_token, { name: 'readProfile', args: [bob.user_id] })
    expect(read.body).toBeNull()
    const write = await call(s, alice.access_token, {
      name: 'writeFor',
      args: [bob.user_id, { hacked: true }],
    })
    expect(write.status).toBe(400)
    expect(write.body).toMatchObject({
      error_code: 'FunctionExecutionError',
      error: expect.stringContaining('insert not permitted'),
    })
    const escalated = await call(s, alice.access_token, { name: 'callAdmin', args: [bob.user_id] })
    expect(escalated.status).toBe(200)
    expect(escalated.body).toMatchObject({
      direct: null,
      asSystem: { doc: { userId: bob.user_id, createdBy: 'onUserCreated' }, system: true },
      system: false,
    })
    const bobs = await call(s, bob.access_token, { name: 'readProfile', args: [bob.user_id] })
    expect(bobs.body).not.toHaveProperty('hacked')
  })

  it('warns at start-up about a run_as_system function that clients may call', () => {
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        // One line for all of them (the folded start-up warnings name each file).
        msg: expect.stringMatching(/runs as system .*bypasses every rule.*systemPublic\.js/),
      }),
    )
  })

  it('runs run_as_system functions as system, for the calling user', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, { name: 'systemPublic' })
    expect(answer.body).toEqual({ system: true, user: login.user_id })
  })

  it('G6: a function reaches what App Services offered, and nothing that could stop the server', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, { name: 'escape' })
    expect(answer.status).toBe(200)
    const body = answer.body as Record<string, { ok: boolean; value?: string; error?: string }>
    // App Services' "JavaScript Support" page: fs read functions, crypto; no child_process, vm.
    expect(body.fsRead).toEqual({ ok: true, value: 'function' })
    expect(body.fsWrite).toEqual({
      ok: false,
      error: expect.stringContaining('fs.writeFileSync() is not available in functions'),
    })
    for (const refused of ['childProcess', 'workerThreads', 'vm']) {
      expect(body[refused]).toEqual({
        ok: false,
        error: expect.stringMatching(/module is not available in functions/),
      })
    }
    expect(body.crypto).toEqual({
      ok: true,
      value: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
    })
    // The worker runs with an empty environment: no DATABASE_URL, no secrets.
    expect(body.processEnv).toEqual({ ok: true, value: '{}' })
    expect(body.processExit).toEqual({
      ok: false,
      error: 'process.exit() is not available in functions',
    })
    expect(body.processKill).toEqual({
      ok: false,
      error: 'process.kill() is not available in functions',
    })
    expect(body.dynamicImport?.ok).toBe(false)
    // The host is unaffected: the server still answers.
    expect((await call(s, login.access_token, { name: 'always' })).status).toBe(200)
  })

  it('G9: a throwing function answers its message, never a stack; a thrown string too', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, { name: 'fail' })
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      error: 'this function always fails',
      error_code: 'FunctionExecutionError',
    })
    const thrown = await call(s, login.access_token, { name: 'throwValue' })
    expect(thrown.body).toEqual({ error: 'a plain string', error_code: 'FunctionExecutionError' })
    const empty = await call(s, login.access_token, { name: 'noExport' })
    expect(empty.body).toEqual({
      error: 'functions/noExport.js must assign a function to exports',
      error_code: 'FunctionExecutionError',
    })
  })

  it('G9: arguments are logged, except for disable_arg_logs functions', async () => {
    const login = await s.logInAnonymously()
    await call(s, login.access_token, { name: 'secretArgs', args: ['hunter2-is-wrong'] })
    await call(s, login.access_token, { name: 'logs', args: ['marker-42'] })
    const text = JSON.stringify(logs.lines)
    expect(text).not.toContain('hunter2-is-wrong')
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ function: 'secretArgs', args: '[redacted: disable_arg_logs]' }),
    )
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ function: 'logs', args: expect.stringContaining('marker-42') }),
    )
  })

  it('sends console output to the server log, tagged with the function', async () => {
    const login = await s.logInAnonymously()
    await call(s, login.access_token, { name: 'logs', args: ['marker-7'] })
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        function: 'logs',
        source: 'console',
        level: 30,
        msg: 'logged from a function marker-7 {"n":1}',
      }),
    )
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ function: 'logs', level: 50, msg: 'an error line marker-7' }),
    )
  })

  it('passes BSON types in and out, and stores them exactly', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, {
      name: 'types',
      args: [
        {
          id: { $oid: '65a0000000000000000000aa' },
          at: { $date: { $numberLong: '0' } },
          big: { $numberLong: '9007199254740993' },
          small: { $numberLong: '5' },
          dec: { $numberDecimal: '1.10' },
          n: { $numberInt: '3' },
          x: { $numberDouble: '2.5' },
        },
      ],
    })
    expect(answer.status).toBe(200)
    const body = answer.body as Record<string, unknown>
    expect(body.inputTypes).toEqual({
      id: 'ObjectId',
      at: 'Date',
      big: 'Long',
      small: 'number',
      dec: 'Decimal128',
      n: 'number',
      x: 'number',
    })
    expect(body.stored).toMatchObject({
      oid: { $oid: '65a0000000000000000000ee' },
      when: { $date: { $numberLong: String(Date.UTC(2024, 0, 2)) } },
      big: { $numberLong: '9007199254740993' },
      price: { $numberDecimal: '19.99' },
    })
    expect(body.storedIsObjectId).toBe(true)
    expect(body.ejson).toBe('{"n":1}')
  })

  it('keeps no global from one call to the next', async () => {
    const login = await s.logInAnonymously()
    const seen = await Promise.all(
      Array.from({ length: 6 }, () => call(s, login.access_token, { name: 'leaky' })),
    )
    expect(seen.map((answer) => answer.body)).toEqual(Array(6).fill('undefined'))
  })

  it('logs a promise a function left unhandled, and the call still answers', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, { name: 'unhandled' })
    expect(answer).toMatchObject({ status: 200, body: 'still answering' })
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        function: 'unhandled',
        level: 50,
        msg: 'unhandled rejection: nobody waits for me',
      }),
    )
    // The worker lived on: the next call runs normally.
    expect((await call(s, login.access_token, { name: 'leaky' })).status).toBe(200)
  })

  it('an exception thrown from a function’s timer fails its call with the message; a fresh worker takes over', async () => {
    const login = await s.logInAnonymously()
    const answer = await call(s, login.access_token, { name: 'throwLater' })
    expect(answer).toMatchObject({
      status: 400,
      body: { error: 'thrown from a timer', error_code: 'FunctionExecutionError' },
    })
    expect((await call(s, login.access_token, { name: 'always' })).status).toBe(200)
  })

  it('checks can_evaluate: %%user.custom_data and %%true', async () => {
    const login = await s.logInAnonymously()
    const denied = await call(s, login.access_token, { name: 'adminOnly' })
    expect(denied.status).toBe(403)
    expect(denied.body).toMatchObject({ error_code: 'NoMatchingRuleFound' })
    await call(s, login.access_token, { name: 'writeMine', args: [{ role: 'admin' }] })
    const refreshed = await s.request('POST', '/auth/session', { token: login.refresh_token })
    const token = (refreshed.body as { access_token: string }).access_token
    expect((await call(s, token, { name: 'adminOnly' })).body).toBe('admin only')
    expect((await call(s, login.access_token, { name: 'always' })).body).toBe('always')
  })

  it('the runtime started from the app folder refuses a function that does not compile', async () => {
    const { appFolderVariant } = await import('../testUtils')
    const dir = await appFolderVariant(functionsAppDir, {
      'functions/broken.js': 'exports = function ( {',
    })
    await expect(loadAppFolder(dir)).rejects.toThrow(/broken\.js(:\d+)? does not compile/)
  })
})

describe('the function runtime under abuse (G4, G5, G8)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      appDir: functionsAppDir,
      storeKind: pgliteTestStore,
      secrets: SECRETS,
      functionLimits: {
        timeLimitMs: 1500,
        memoryLimitMb: 48,
        workers: 2,
        maxConcurrentCallsPerUser: 5,
        maxConcurrentCalls: 50,
      },
    })
  })
  afterAll(() => server.close())

  const api = (path: string) => `${server.url}/api/client/v2.0/app/functions-app-abcde${path}`
  const logIn = async () =>
    (await (
      await fetch(api('/auth/providers/anon-user/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { access_token: string; user_id: string }
  const callOverHttp = (token: string, name: string, args: unknown[] = []) =>
    fetch(api('/functions/call'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name, arguments: args }),
    })

  it('G4: while(true){} fails its own call at the time limit; /health/alive keeps answering under 50 ms', async () => {
    const user = await logIn()
    const started = Date.now()
    const looping = callOverHttp(user.access_token, 'loop')
    const latencies: number[] = []
    while (Date.now() - started < 1200) {
      const t = performance.now()
      const alive = await fetch(`${server.url}/health/alive`)
      latencies.push(performance.now() - t)
      expect(alive.status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const answer = await looping
    const elapsed = Date.now() - started
    expect(answer.status).toBe(504)
    expect(await answer.json()).toEqual({
      error: 'execution time limit exceeded: "loop" ran for more than 1.5 s',
      error_code: 'ExecutionTimeLimitExceeded',
    })
    expect(elapsed).toBeGreaterThanOrEqual(1400)
    expect(elapsed).toBeLessThan(4000)
    expect(latencies.length).toBeGreaterThan(10)
    // The loop owns a core; the server's thread stays free. Other test files share this 2-core
    // machine, so one scheduling hiccup may exceed 50 ms: 90 % must not, and none may come near
    // the 1.5 s a blocked event loop would take.
    const sorted = [...latencies].sort((a, b) => a - b)
    expect(sorted[Math.floor(sorted.length * 0.9) - 1]).toBeLessThan(50)
    expect(sorted[sorted.length - 1]).toBeLessThan(300)
    // A fresh worker took the stopped one's place.
    expect((await callOverHttp(user.access_token, 'always')).status).toBe(200)
  })

  it('G5: a function that exhausts memory fails with a memory error; the server carries on', async () => {
    const user = await logIn()
    const answer = await callOverHttp(user.access_token, 'hog')
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: 'execution memory limit exceeded: "hog" needed more than 48 MB',
      error_code: 'FunctionExecutionError',
    })
    expect((await fetch(`${server.url}/health/alive`)).status).toBe(200)
    expect((await callOverHttp(user.access_token, 'always')).status).toBe(200)
  })

  it('G8: one user past the per-user cap gets 429s; another user is unaffected', async () => {
    const greedy = await logIn()
    const other = await logIn()
    const flood = Array.from({ length: 20 }, () =>
      callOverHttp(greedy.access_token, 'sleep', [300]),
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    const polite = await callOverHttp(other.access_token, 'sleep', [10])
    const statuses = await Promise.all(flood.map(async (answer) => (await answer).status))
    expect(statuses.filter((status) => status === 200)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(15)
    const tooMany = await callOverHttp(greedy.access_token, 'sleep', [0])
    expect(tooMany.status).toBe(200)
    expect(polite.status).toBe(200)
    expect(await polite.json()).toEqual({ slept: { $numberInt: '10' }, user: other.user_id })
  })
})

describe('fair function scheduling (docs/reliability.md G8)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      appDir: functionsAppDir,
      storeKind: pgliteTestStore,
      secrets: SECRETS,
      functionLimits: { timeLimitMs: 20_000, workers: 2, maxConcurrentCallsPerUser: 5 },
    })
  })
  afterAll(() => server.close())

  const api = (path: string) => `${server.url}/api/client/v2.0/app/functions-app-abcde${path}`
  const logIn = async () =>
    (await (
      await fetch(api('/auth/providers/anon-user/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { access_token: string; user_id: string }
  const callOverHttp = (token: string, name: string, args: unknown[] = []) =>
    fetch(api('/functions/call'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name, arguments: args }),
    })

  it("while one user runs as many slow calls as allowed, another user's call runs at once", async () => {
    const greedy = await logIn()
    const other = await logIn()
    // Five calls that hold their workers until released: all this user may have at once.
    let pending = 5
    const slow = Array.from({ length: 5 }, () =>
      callOverHttp(greedy.access_token, 'waitForRelease', ['fair']).then(async (answer) => {
        pending -= 1
        return { status: answer.status, body: await answer.json() }
      }),
    )
    // All five are in the runtime once a sixth is refused.
    await expect
      .poll(async () => (await callOverHttp(greedy.access_token, 'always')).status)
      .toBe(429)
    // A first-come queue would hold this call behind the five, until they are released.
    const quick = await callOverHttp(other.access_token, 'sleep', [5])
    expect(quick.status).toBe(200)
    expect(pending).toBe(5)
    await callOverHttp(other.access_token, 'release', ['fair'])
    expect(await Promise.all(slow)).toEqual(Array(5).fill({ status: 200, body: 'released' }))
    // Generous: once timed out at the default 30 s in a full run on a shared machine (the
    // greedy user's five calls then run one after another, each polling the store).
  }, 90_000)
})

describe('starting the runtime', () => {
  let store: Store
  beforeAll(async () => {
    store = await pgliteTestStore.open()
  })
  afterAll(() => store.close())

  const start = async () =>
    createServer({
      app: await loadAppFolder(functionsAppDir),
      store,
      logger: createLogger('silent'),
      functionLimits: { workers: 1 },
    })

  it('closes its workers with the server, and its first call after start works', async () => {
    const server = await start()
    expect(await server.context.functions.call({ name: 'always', args: [], user: null })).toBe(
      'always',
    )
    await server.close()
    await expect(
      server.context.functions.call({ name: 'always', args: [], user: null }),
    ).rejects.toThrow('shutting down')
  })

  it('hands the server back what functions return, BSON types decoded', async () => {
    const server = await start()
    await server.context.functions.call({
      name: 'utils/onUserCreated',
      args: [{ id: 'u-1' }],
      user: null,
    })
    const result = (await server.context.functions.call({
      name: 'utils/readAny',
      args: ['u-1'],
      user: null,
    })) as { doc: { _id: unknown; userId: string }; system: boolean }
    expect(result.doc._id).toBeInstanceOf(ObjectId)
    expect(result).toMatchObject({ doc: { userId: 'u-1', plan: 'free' }, system: true })
    await server.close()
  })
})

describe('the runtime under the CLI (bin/custom-data-server.js runs the source through tsx)', () => {
  it('runs functions in worker threads there too', async () => {
    const bin = fileURLToPath(new URL('../../bin/custom-data-server.js', import.meta.url))
    const child = spawn(
      process.execPath,
      [
        bin,
        'start',
        '--app',
        functionsAppDir,
        '--port',
        '0',
        '--data',
        ':memory:',
        '--log-level',
        'silent',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } },
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const match = /listening on (http:\/\/\S+)/.exec(out)
          if (match?.[1]) resolve(match[1])
        })
        void exited.then((code) => reject(new Error(`the CLI exited with ${code}`)))
      })
      const api = `${url}/api/client/v2.0/app/functions-app-abcde`
      const login = (await (
        await fetch(`${api}/auth/providers/anon-user/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { access_token: string }
      const answer = await fetch(`${api}/functions/call`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${login.access_token}`,
        },
        body: JSON.stringify({ name: 'callPrivate', arguments: [2, 3] }),
      })
      expect(await answer.json()).toEqual({ sum: { $numberInt: '5' }, by: 'utils/hidden' })
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})

describe('function limits', () => {
  it('refuses a limit that is not a positive integer, naming it', async () => {
    const store = await pgliteTestStore.open()
    try {
      await expect(
        createServer({
          app: await loadAppFolder(functionsAppDir),
          store,
          logger: createLogger('silent'),
          functionLimits: { timeLimitMs: 0 },
        }),
      ).rejects.toThrow('functionLimits.timeLimitMs must be a positive integer, got 0')
    } finally {
      await store.close()
    }
  })
})
