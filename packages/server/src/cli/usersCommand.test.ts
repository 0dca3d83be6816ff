import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { createServerApiKey } from '../auth/apiKeys'
import { systemClock } from '../Clock'
import { openEventStream } from '../live/readEventStream'
import { startServer } from '../startServer'
import { spawnCli } from '../testing/spawnCli'
import { startTestServer, TEST_PASSWORD_HASHING } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { basicAppDir } from '../testUtils'

const APP = '/api/client/v2.0/app/basic-app-abcde'

const runCli = async (args: string[], env: Record<string, string> = {}) => {
  const cli = spawnCli(args, env)
  const code = await cli.exited
  return { code, ...cli.output() }
}

const logIn = async (url: string) =>
  (await (
    await fetch(`${url}${APP}/auth/providers/anon-user/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
  ).json()) as { user_id: string; access_token: string }

describe('custom-data-server users on a PGlite folder', () => {
  it('lists users, sets and reads custom data, disables and deletes, with clear errors', async () => {
    const data = await mkdtemp(join(tmpdir(), 'users-cli-'))
    const running = await startServer({
      appDir: basicAppDir,
      port: 0,
      logLevel: 'silent',
      store: { dataDir: data },
      server: { rateLimits: false, passwordHashing: TEST_PASSWORD_HASHING },
    })
    const { user_id: userId } = await logIn(running.url)
    await running.close()
    const store = ['--app', basicAppDir, '--data', data]

    const list = await runCli(['users', 'list', ...store])
    expect(list.code).toBe(0)
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string }),
    ).toEqual([expect.objectContaining({ id: userId, type: 'normal', providers: ['anon-user'] })])
    const set = await runCli(['users', 'set-data', userId, '{"plan":"pro"}', ...store])
    expect(set.code).toBe(0)
    expect(JSON.parse(set.stdout)).toMatchObject({ user_id: userId, plan: 'pro' })
    const get = await runCli(['users', 'get-data', userId, ...store])
    expect(JSON.parse(get.stdout)).toMatchObject({ user_id: userId, plan: 'pro' })

    const badJson = await runCli(['users', 'set-data', userId, '{plan', ...store])
    expect(badJson.code).toBe(2)
    expect(badJson.stderr).toContain('not valid JSON')
    const unknown = await runCli(['users', 'get-data', '000000000000000000000000', ...store])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("user not found: '000000000000000000000000'")
    expect(unknown.stderr).not.toMatch(/at .*\.ts/)

    expect((await runCli(['users', 'disable', userId, ...store])).code).toBe(0)
    expect(JSON.parse((await runCli(['users', 'list', ...store])).stdout)).toMatchObject({
      disabled: true,
    })
    expect((await runCli(['users', 'delete', userId, ...store])).code).toBe(0)
    expect((await runCli(['users', 'list', ...store])).stdout).toBe('')
  }, 120_000)

  it('goes through a running server with --url and --key: the open stream carries the change', async () => {
    const server = await startTestServer({ appDir: basicAppDir })
    try {
      const { key } = await createServerApiKey(server.store, systemClock, {
        name: 'ops',
        providerName: 'api-key',
      })
      const user = await logIn(server.url)
      const stream = await openEventStream(`${server.url}${APP}/live/custom-data`, {
        headers: { Authorization: `Bearer ${user.access_token}` },
      })
      await stream.waitFor((frame) => frame.event === 'ready')
      const set = await runCli(
        ['users', 'set-data', user.user_id, '{"theme":"dark"}', '--url', server.url],
        { SERVER_API_KEY: key! },
      )
      expect(set.code).toBe(0)
      const frame = await stream.waitFor((f) => f.event === 'token')
      expect(decodeJwt(frame.data).user_data).toMatchObject({ theme: 'dark' })
      const wrongKey = await runCli(['users', 'list', '--url', server.url, '--key', 'nope'])
      expect(wrongKey.code).toBe(1)
      expect(wrongKey.stderr).toContain('server API key')
      stream.close()
    } finally {
      await server.close()
    }
  }, 60_000)
})

// Without DATABASE_URL there is no database to share with a running server: testStores() says so.
describe.each(testStores().filter((store) => store.kind === 'postgres'))(
  'custom-data-server users on $kind next to a running server',
  (storeKind) => {
    it("writes straight to the database, and the server's open stream carries it", async () => {
      const server = await startTestServer({ appDir: basicAppDir, storeKind })
      try {
        const [row] = await server.store.query<{ schema: string }>(
          'SELECT current_schema() AS schema',
        )
        const user = await logIn(server.url)
        const stream = await openEventStream(`${server.url}${APP}/live/custom-data`, {
          headers: { Authorization: `Bearer ${user.access_token}` },
        })
        await stream.waitFor((frame) => frame.event === 'ready')
        const set = await runCli(
          [
            'users',
            'set-data',
            user.user_id,
            '{"plan":"team"}',
            '--app',
            basicAppDir,
            '--database-schema',
            row!.schema,
          ],
          { DATABASE_URL: process.env.DATABASE_URL ?? '' },
        )
        expect(set.code).toBe(0)
        const frame = await stream.waitFor((f) => f.event === 'token')
        expect(decodeJwt(frame.data).user_data).toMatchObject({ plan: 'team' })
        stream.close()
      } finally {
        await server.close()
      }
    }, 60_000)
  },
)
