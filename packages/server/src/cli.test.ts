import { mkdtemp, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { spawnCli } from './testing/spawnCli'
import { openStore } from './store/openStore'
import { appFolderVariant, authAppDir, basicAppDir } from './testUtils'

const SECRET_ENV = { SECRET_JWTSIGNINGKEY: 'a-test-signing-secret-of-32-bytes-or-more' }

describe('custom-data-server CLI', () => {
  let appDir: string
  beforeAll(async () => {
    appDir = await appFolderVariant(authAppDir, {
      'auth/providers.json': {
        'local-userpass': {
          name: 'local-userpass',
          type: 'local-userpass',
          config: { autoConfirm: true },
        },
        'api-key': { name: 'api-key', type: 'api-key' },
      },
    })
  })

  it('starts on a real port, prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const server = spawnCli([
      'start',
      '--app',
      basicAppDir,
      '--port',
      '0',
      '--data',
      ':memory:',
      '--log-level',
      'silent',
    ])
    const url = await server.listening()
    expect((await fetch(`${url}/health/alive`)).status).toBe(200)
    const login = await fetch(
      `${url}/api/client/v2.0/app/basic-app-abcde/auth/providers/anon-user/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    )
    expect(login.status).toBe(200)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('F1: SIGTERM during 100 in-flight requests: they all complete, new ones are refused, the store is checkpointed, exit 0', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'f1-')), 'data')
    const server = spawnCli(
      [
        'start',
        '--app',
        appDir,
        '--port',
        '0',
        '--data',
        dataDir,
        '--rate-limits',
        'off',
        '--log-level',
        'debug',
      ],
      SECRET_ENV,
    )
    const url = await server.listening()
    const base = `${url}/api/client/v2.0/app/auth-app-abcde/auth/providers/local-userpass`
    const post = (path: string, body: unknown) =>
      fetch(`${base}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect(
      (await post('register', { email: 'f1@example.com', password: 'correct horse' })).status,
    ).toBe(201)

    // Each login hashes at production cost (argon2id, 19 MiB): 100 of them keep the server busy.
    // Every request is fully written on its own connection before the signal.
    const written: Promise<void>[] = []
    const inFlight = Array.from(
      { length: 100 },
      () =>
        new Promise<number | string>((resolve) => {
          const req = httpRequest(`${base}/login`, {
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/json' },
          })
          req.on('response', (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          })
          req.on('error', (error) => resolve(`failed: ${error.message}`))
          written.push(new Promise((done) => req.on('finish', done)))
          req.end(JSON.stringify({ username: 'f1@example.com', password: 'correct horse' }))
        }),
    )
    await Promise.all(written)
    // Written is not yet received: wait until the server has taken all 100 in (its debug log).
    const received = () =>
      server
        .output()
        .stdout.split('\n')
        .filter((line) => line.includes('"request received"') && line.includes('/login')).length
    await vi.waitFor(() => expect(received()).toBe(100), { timeout: 10_000, interval: 20 })
    server.child.kill('SIGTERM')
    await vi.waitFor(
      () => expect(server.output().stdout).toContain('SIGTERM, draining and stopping'),
      {
        timeout: 5_000,
      },
    )
    // A new connection after the signal is refused.
    const late = await new Promise<number | string>((resolve) => {
      const req = httpRequest(`${url}/health/alive`, { agent: false })
      req.on('response', (res) => resolve(res.statusCode ?? 0))
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      req.end()
    })
    // Refused, or reset when it raced the listener's closing.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(late)
    expect(await Promise.all(inFlight)).toEqual(Array(100).fill(200))
    expect(await server.exited).toBe(0)

    // The data folder opens cleanly and holds all 100 sessions.
    const store = await openStore({ dataDir })
    const [row] = await store.query<{ n: string }>('SELECT count(*) AS n FROM sessions')
    expect(Number(row?.n)).toBe(100)
    await store.close()
  })

  it('creates a server API key from the command line that logs in through the api-key provider', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'keys-')), 'data')
    const create = spawnCli(
      ['keys', 'create', '--name', 'backend', '--app', appDir, '--data', dataDir],
      SECRET_ENV,
    )
    expect(await create.exited).toBe(0)
    const created = JSON.parse(create.output().stdout) as { id: string; name: string; key: string }
    expect(created).toMatchObject({
      name: 'backend',
      key: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
    })
    const duplicate = spawnCli(
      ['keys', 'create', '--name', 'backend', '--app', appDir, '--data', dataDir],
      SECRET_ENV,
    )
    expect(await duplicate.exited).toBe(2)
    expect(duplicate.output().stderr).toContain("API key 'backend' already exists")

    const server = spawnCli(
      ['start', '--app', appDir, '--port', '0', '--data', dataDir, '--log-level', 'silent'],
      SECRET_ENV,
    )
    const url = await server.listening()
    const login = await fetch(
      `${url}/api/client/v2.0/app/auth-app-abcde/auth/providers/api-key/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: created.key }),
      },
    )
    expect(login.status).toBe(200)
    const { profile } = (await login.json()) as { profile: { type: string } }
    expect(profile.type).toBe('server')
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('F9: refuses to start, exit 1, with a missing or corrupt signing key file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'f9-'))
    const corrupt = join(dir, 'key.json')
    await writeFile(corrupt, 'not json')
    for (const [file, message] of [
      [join(dir, 'missing.json'), 'cannot read the signing key file'],
      [corrupt, 'is not a JSON Web Key; refusing to start'],
    ] as const) {
      const server = spawnCli([
        'start',
        '--app',
        basicAppDir,
        '--port',
        '0',
        '--signing-key-file',
        file,
      ])
      expect(await server.exited).toBe(1)
      expect(server.output().stderr).toContain(message)
      expect(server.output().stdout).not.toContain('listening')
    }
  })

  it('refuses to start on a missing app folder, naming it', async () => {
    const server = spawnCli(['start', '--app', '/nonexistent/app', '--port', '0'])
    expect(await server.exited).toBe(1)
    expect(server.output().stderr).toContain('App folder /nonexistent/app does not exist.')
  })

  it('explains bad flags', async () => {
    const missing = spawnCli(['start', '--port', '0'])
    expect(await missing.exited).toBe(2)
    expect(missing.output().stderr).toContain('--app is required')
    const rotation = spawnCli([
      'start',
      '--app',
      basicAppDir,
      '--refresh-token-rotation',
      'sometimes',
    ])
    expect({ code: await rotation.exited, stderr: rotation.output().stderr }).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--refresh-token-rotation must be optional or required'),
    })
  })

  it('refuses to start on a --static folder that holds no built app, saying why', async () => {
    const cli = spawnCli(['start', '--app', basicAppDir, '--static', basicAppDir, '--port', '0'])
    expect(await cli.exited).toBe(2)
    expect(cli.output().stderr).toContain(
      `custom-data-server: --static: ${basicAppDir} has no index.html (build the app first)`,
    )
  })
})
