import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './startServer'
import { TEST_PASSWORD_HASHING } from './testing/startTestServer'
import { basicAppDir } from './testUtils'

describe('startServer on a real port', () => {
  let running: RunningServer
  const api = (path: string) => `${running.url}/api/client/v2.0${path}`
  beforeAll(async () => {
    running = await startServer({
      appDir: basicAppDir,
      port: 0,
      logLevel: 'silent',
      server: { rateLimits: false, passwordHashing: TEST_PASSWORD_HASHING },
    })
  })
  afterAll(() => running.close())

  it('carries a user whose custom data is near the 16 KiB cap: the write answers, the token is accepted (§17.4)', async () => {
    // Such a token is ~22 KB. Node (server and fetch) refuses headers past 16 KiB by default: the
    // server's own cap on custom data must fit through its own front door, and its answers must
    // stay readable by Node clients.
    const login = (await (
      await fetch(api('/app/basic-app-abcde/auth/providers/anon-user/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { access_token: string; refresh_token: string }
    const write = await fetch(api('/app/basic-app-abcde/functions/call'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${login.access_token}`,
      },
      body: JSON.stringify({ name: 'setMyData', arguments: [{ notes: 'n'.repeat(16_000) }] }),
    })
    expect(write.status).toBe(200)
    // Too large for a header: the client refreshes instead, as against a server without §17.3.
    expect(write.headers.get('x-refreshed-access-token')).toBeNull()
    const refreshed = (await (
      await fetch(api('/auth/session'), {
        method: 'POST',
        headers: { authorization: `Bearer ${login.refresh_token}` },
      })
    ).json()) as { access_token: string }
    expect(refreshed.access_token.length).toBeGreaterThan(20_000)
    const profile = await fetch(api('/auth/profile'), {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    })
    expect(profile.status).toBe(200)
  })
})
