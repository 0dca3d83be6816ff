import { describe, expect, it } from 'vitest'
import { startServer } from '../startServer'
import { TEST_PASSWORD_HASHING } from '../testing/startTestServer'
import { basicAppDir } from '../testUtils'
import { openEventStream } from './readEventStream'

describe('shutdown with live streams open', () => {
  it('ends every stream with its end frame and stops without waiting for the drain timeout', async () => {
    const running = await startServer({
      appDir: basicAppDir,
      port: 0,
      logLevel: 'silent',
      // Were the streams left open, close() would wait this long, past the test's timeout.
      drainTimeoutMs: 120_000,
      server: { rateLimits: false, passwordHashing: TEST_PASSWORD_HASHING },
    })
    const api = `${running.url}/api/client/v2.0/app/basic-app-abcde`
    const streams = await Promise.all(
      [1, 2, 3].map(async () => {
        const login = (await (
          await fetch(`${api}/auth/providers/anon-user/login`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{}',
          })
        ).json()) as { access_token: string }
        const stream = await openEventStream(`${api}/live/custom-data`, {
          headers: { Authorization: `Bearer ${login.access_token}` },
        })
        await stream.waitFor((frame) => frame.event === 'ready')
        return stream
      }),
    )
    await running.close()
    for (const stream of streams) {
      const end = await stream.waitFor((frame) => frame.event === 'end')
      expect(JSON.parse(end.data)).toEqual({ reason: 'shutdown' })
      await stream.ended
    }
  }, 60_000)
})
