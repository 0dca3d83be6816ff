import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { spawnCli } from '../testing/spawnCli'

const PASSWORD = 'correct horse battery'

const freshParent = () => mkdtemp(join(tmpdir(), 'init-'))

/** The `user_data` claim of an access token. */
const userDataOf = (token: string): unknown =>
  (
    JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      user_data?: unknown
    }
  ).user_data

describe('custom-data-server init', () => {
  it('writes an app folder that loads without warnings: anonymous and email/password logins, custom user data on, writeCustomUserData', async () => {
    const dir = join(await freshParent(), 'my-app')
    const init = spawnCli(['init', dir])
    expect(await init.exited).toBe(0)
    expect(init.output().stdout).toContain('app id "my-app"')

    const app = await loadAppFolder(dir)
    expect(app.appId).toBe('my-app')
    expect(app.warnings).toEqual([])
    expect(
      Object.values(app.providers)
        .filter((provider) => !provider.disabled)
        .map((provider) => provider.type)
        .sort(),
    ).toEqual(['anon-user', 'local-userpass'])
    expect(app.customUserData).toMatchObject({ userIdField: 'userId' })
    expect([...app.functions.keys()]).toEqual(['writeCustomUserData'])
  })

  it('init then start: sign up, write custom data with writeCustomUserData, see it in the next token; the payload cannot move the document to another user', async () => {
    const dir = join(await freshParent(), 'quick-start')
    expect(await spawnCli(['init', dir]).exited).toBe(0)
    const server = spawnCli(['start', '--app', dir, '--port', '0', '--log-level', 'silent'])
    try {
      const url = await server.listening()
      const api = `${url}/api/client/v2.0`
      const auth = `${api}/app/quick-start/auth/providers/local-userpass`
      const post = (path: string, body: unknown, token?: string) =>
        fetch(path, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(body),
        })
      const email = 'ada@example.com'
      expect((await post(`${auth}/register`, { email, password: PASSWORD })).status).toBe(201)
      const login = await post(`${auth}/login`, { username: email, password: PASSWORD })
      expect(login.status).toBe(200)
      const tokens = (await login.json()) as {
        access_token: string
        refresh_token: string
        user_id: string
      }

      const write = await post(
        `${api}/app/quick-start/functions/call`,
        { name: 'writeCustomUserData', arguments: [{ favoriteFood: 'pizza', userId: 'someone' }] },
        tokens.access_token,
      )
      expect(write.status).toBe(200)

      const refresh = await fetch(`${api}/auth/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.refresh_token}` },
      })
      const { access_token } = (await refresh.json()) as { access_token: string }
      expect(userDataOf(access_token)).toMatchObject({
        favoriteFood: 'pizza',
        userId: tokens.user_id,
      })
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it('takes an empty folder that already exists, and --app-id names the app', async () => {
    const dir = join(await freshParent(), 'backend')
    await mkdir(dir)
    const init = spawnCli(['init', dir, '--app-id', 'shop-abcde'])
    expect(await init.exited).toBe(0)
    expect((await loadAppFolder(dir)).appId).toBe('shop-abcde')
  })

  it('refuses a folder that holds anything, or a file, with exit 1, and writes nothing', async () => {
    const parent = await freshParent()
    const taken = join(parent, 'taken')
    await mkdir(taken)
    await writeFile(join(taken, 'notes.txt'), 'mine')
    const intoTaken = spawnCli(['init', taken])
    expect(await intoTaken.exited).toBe(1)
    expect(intoTaken.output().stderr).toContain('already exists and is not an empty folder')
    expect(await readdir(taken)).toEqual(['notes.txt'])
    expect(await readFile(join(taken, 'notes.txt'), 'utf8')).toBe('mine')

    const file = join(parent, 'file.json')
    await writeFile(file, '{}')
    const intoFile = spawnCli(['init', file])
    expect(await intoFile.exited).toBe(1)
    expect(await readFile(file, 'utf8')).toBe('{}')
  })

  it('explains a missing folder or a bad app id (exit 2)', async () => {
    const missing = spawnCli(['init'])
    expect(await missing.exited).toBe(2)
    expect(missing.output().stderr).toContain('init needs a folder')

    const dir = join(await freshParent(), 'app')
    const badId = spawnCli(['init', dir, '--app-id', 'my app/1'])
    expect(await badId.exited).toBe(2)
    expect(badId.output().stderr).toContain('--app-id must be')
    await expect(readdir(dir)).rejects.toThrow('ENOENT')
  })
})
