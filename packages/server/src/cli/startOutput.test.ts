import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { spawnCli } from '../testing/spawnCli'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url))

const logLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('custom-data-server start: what it says at start-up', () => {
  it('sums up what it ignores in one line, folds alike warnings, and starts without the secrets it lacks', async () => {
    const server = spawnCli(['start', '--app', fixture('unsupported-app'), '--port', '0'])
    const url = await server.listening()
    const lines = logLines(server.output().stdout)
    const summaries = lines.filter((line) => String(line.msg).startsWith('not run by this server'))
    expect(summaries).toHaveLength(1)
    // Triggers run now: they are not in the summary of what is ignored.
    expect(summaries[0]?.msg).not.toContain('triggers')
    expect(summaries[0]?.ignored).toContainEqual({
      feature: 'schemas and relationships',
      where: 'data_sources/',
      count: 6,
      note: expect.any(String),
    })
    const publicSystem = lines.filter((line) => String(line.msg).includes('runs as system'))
    expect(publicSystem).toHaveLength(1)
    expect(publicSystem[0]?.msg).toContain('(and 2 more like it:')
    expect(lines.filter((line) => String(line.msg).includes('secret'))).toHaveLength(1)
    // The provider that lacks its secret is disabled rather than the start refused.
    const login = await fetch(
      `${url}/api/client/v2.0/app/unsupported-app-abcde/auth/providers/custom-token/login`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"x"}' },
    )
    expect(login.status).toBe(400)
    expect(await login.json()).toMatchObject({ error_code: 'AuthProviderNotFound' })
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('respects --log-level: at error, none of the start-up warnings', async () => {
    const server = spawnCli([
      'start',
      '--app',
      fixture('unsupported-app'),
      '--port',
      '0',
      '--log-level',
      'error',
    ])
    await server.listening()
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const { stdout, stderr } = server.output()
    expect(logLines(stdout)).toEqual([])
    expect(stderr).toBe('')
  })

  it('--strict-secrets refuses to start, naming every missing secret at once (exit 1)', async () => {
    const server = spawnCli([
      'start',
      '--app',
      fixture('endpoints-app'),
      '--port',
      '0',
      '--strict-secrets',
    ])
    expect(await server.exited).toBe(1)
    const { stderr, stdout } = server.output()
    expect(stderr).toContain('3 secrets without a value: endpointsJwtKey')
    expect(stderr).toContain(
      'Set SECRET_ENDPOINTSJWTKEY, SECRET_ENDPOINTSECRET, SECRET_NEVERSETSECRET',
    )
    expect(stdout).not.toContain('listening')
  })

  it('--app-id sets the client App ID, and the folder’s own keeps answering', async () => {
    const server = spawnCli([
      'start',
      '--app',
      fixture('legacy-app'),
      '--port',
      '0',
      '--log-level',
      'silent',
      '--app-id',
      'renamed-app',
    ])
    const url = await server.listening()
    for (const id of ['renamed-app', 'legacy-app-xyzzy', 'legacy-app']) {
      expect((await fetch(`${url}/api/client/v2.0/app/${id}/location`)).status).toBe(200)
      expect((await fetch(`${url}/app/${id}/endpoint/hello`)).status).toBe(200)
    }
    expect((await fetch(`${url}/api/client/v2.0/app/other/location`)).status).toBe(404)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })
})
