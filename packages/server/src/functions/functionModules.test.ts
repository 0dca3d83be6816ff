import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { pgliteTestStore } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'
import { installedModulesApp } from './modulesAppFixture'

// Module loading does not touch the store: these run on PGlite only.

/** A logger that keeps every line, to look at what the server logged. */
const capturingLogger = () => {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  return { logger, lines }
}

const call = async (s: InProcessServer, token: string, name: string) =>
  s.request('POST', `/app/${s.appId}/functions/call`, { token, body: { name, arguments: [] } })

describe.each(['node_modules', 'archive'] as const)(
  'npm packages installed as functions/%s',
  (how) => {
    let s: InProcessServer
    let remove: () => Promise<void>
    let token: string
    const logs = capturingLogger()
    beforeAll(async () => {
      const app = await installedModulesApp(how)
      remove = app.remove
      s = await createInProcessServer(pgliteTestStore, { appDir: app.dir, logger: logs.logger })
      token = (await s.logInAnonymously()).access_token
    })
    afterAll(async () => {
      await s.close()
      await remove()
    })

    it('require() loads a package, its subpath and its own dependency (App Services "External Dependencies")', async () => {
      const answer = await call(s, token, 'requirePackage')
      expect(answer).toMatchObject({
        status: 200,
        body: {
          length: { $numberInt: '12' },
          fixed: 'abcde',
          extra: 'an extra module of tiny-id',
        },
      })
    })

    it('ES import declarations: default, named and namespace imports of CommonJS, ES-module-only and Babel-compiled packages, and built-ins', async () => {
      const answer = await call(s, token, 'importForms')
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({
        defaultImport: { $numberInt: '4' },
        namedImport: 'abc',
        namespaceDefault: 'ab',
        esmDefault: 'hello functions!',
        esmNamed: '!',
        babelDefault: 'babel default export',
        babelNamed: 'named export',
        builtin: '11f6ad8ec52a2984abaafd7c3b516503785c2072',
        sideEffect: { $numberInt: '1' },
      })
    })

    it('warns at start about nothing that is installed, and names the package that is not', () => {
      const warnings = logs.lines.filter((line) => line.level === 40).map((line) => line.msg)
      expect(warnings.filter((text) => String(text).includes('is not installed'))).toEqual([
        expect.stringContaining(
          'function "missingPackage" loads "left-pad", which is not installed',
        ),
      ])
    })

    it('a package that is not installed fails the call with a 400 naming it, not a 500', async () => {
      const answer = await call(s, token, 'missingPackage')
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({
        error_code: 'FunctionExecutionError',
        error: expect.stringContaining(
          `require('left-pad'): the package "left-pad" is not installed for this app's functions; add it to functions/package.json and run \`custom-data-server deps install --app`,
        ),
      })
    })
  },
)

describe('what functions may load, and how their files may be written', () => {
  let s: InProcessServer
  let remove: () => Promise<void>
  let token: string
  beforeAll(async () => {
    const app = await installedModulesApp('node_modules')
    remove = app.remove
    s = await createInProcessServer(pgliteTestStore, {
      appDir: app.dir,
      functionLimits: { workers: 1 },
    })
    token = (await s.logInAnonymously()).access_token
  })
  afterAll(async () => {
    await s.close()
    await remove()
  })

  it('the built-ins App Services offered ("JavaScript Support": assert, buffer, crypto, events, path, querystring, stream, string_decoder, url, util, zlib, http, https, fs reads)', async () => {
    const answer = await call(s, token, 'builtins')
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      buffer: 'aGk=',
      crypto: '9dd4e461268c8034f5c8564e155c67a6',
      events: 'pong',
      path: 'a/c',
      querystring: 'a=1&b=x%20y',
      stream: 'abc',
      stringDecoder: 'é',
      url: '1',
      util: 'n=42',
      zlib: 'zipped',
      http: 'function',
      https: 'function',
      fsReadable: 'function',
      globals: 'function,object,function,function,function',
    })
  })

  it('a package loads once per worker, and the global it set as it loaded stays', async () => {
    const first = await call(s, token, 'loadCount')
    const second = await call(s, token, 'loadCount')
    expect(first.body).toEqual({ $numberInt: '1' })
    expect(second.body).toEqual({ $numberInt: '1' })
  })

  it('two "exports =" in one file: the last one wins, as in App Services; module.exports works too', async () => {
    expect((await call(s, token, 'twoExports')).body).toBe('second')
    expect((await call(s, token, 'moduleExports')).body).toBe('module.exports')
  })
})

describe('the time and memory limits with packages loaded (G4, G5)', () => {
  let server: TestServer
  let remove: () => Promise<void>
  beforeAll(async () => {
    const app = await installedModulesApp('node_modules')
    remove = app.remove
    server = await startTestServer({
      appDir: app.dir,
      functionLimits: { timeLimitMs: 1500, memoryLimitMb: 48, workers: 2 },
    })
  })
  afterAll(async () => {
    await server.close()
    await remove()
  })

  const api = (path: string) => `${server.url}/api/client/v2.0/app/modules-app-abcde${path}`
  const logIn = async () =>
    (await (
      await fetch(api('/auth/providers/anon-user/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { access_token: string }
  const callOverHttp = (token: string, name: string) =>
    fetch(api('/functions/call'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name, arguments: [] }),
    })

  it('G4: a package that spins ends at the time limit while /health/alive answers', async () => {
    const { access_token: token } = await logIn()
    let settled = false
    const spinning = callOverHttp(token, 'spin').finally(() => {
      settled = true
    })
    // The server's own thread stays free while the package spins in its worker.
    let alive = 0
    while (!settled) {
      expect((await fetch(`${server.url}/health/alive`)).status).toBe(200)
      alive += 1
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const answer = await spinning
    expect(answer.status).toBe(504)
    expect(await answer.json()).toEqual({
      error: 'execution time limit exceeded: "spin" ran for more than 1.5 s',
      error_code: 'ExecutionTimeLimitExceeded',
    })
    expect(alive).toBeGreaterThan(3)
    // A fresh worker took its place, and loads the package again.
    expect((await callOverHttp(token, 'requirePackage')).status).toBe(200)
  })

  it('G5: a function that loaded packages and then exhausts memory fails with the memory error', async () => {
    const { access_token: token } = await logIn()
    const answer = await callOverHttp(token, 'hogAfterLoad')
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: 'execution memory limit exceeded: "hogAfterLoad" needed more than 48 MB',
      error_code: 'FunctionExecutionError',
    })
    expect((await fetch(`${server.url}/health/alive`)).status).toBe(200)
    expect((await callOverHttp(token, 'requirePackage')).status).toBe(200)
  })
})
