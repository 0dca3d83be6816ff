import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli, type CliProcess } from '../testing/spawnCli'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { basicAppDir } from '../testUtils'
import { openEventStream, type EventStream, type SseFrame } from './readEventStream'

const APP_ID = 'basic-app-abcde'

interface Login {
  readonly userId: string
  readonly accessToken: string
  readonly refreshToken: string
}

const logIn = async (url: string): Promise<Login> => {
  const response = await fetch(
    `${url}/api/client/v2.0/app/${APP_ID}/auth/providers/anon-user/login`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    },
  )
  expect(response.status).toBe(200)
  const body = (await response.json()) as Record<string, string>
  return {
    userId: body.user_id!,
    accessToken: body.access_token!,
    refreshToken: body.refresh_token!,
  }
}

const openStream = async (url: string, login: Login): Promise<EventStream> => {
  const stream = await openEventStream(`${url}/api/client/v2.0/app/${APP_ID}/live/custom-data`, {
    headers: { Authorization: `Bearer ${login.accessToken}` },
  })
  expect(stream.response.status).toBe(200)
  expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  await stream.waitFor((frame) => frame.event === 'ready')
  return stream
}

const callFunction = async (url: string, login: Login, call: { name: string; args: unknown[] }) => {
  const { name, args } = call
  const response = await fetch(`${url}/api/client/v2.0/app/${APP_ID}/functions/call`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.accessToken}` },
    body: JSON.stringify({ name, arguments: args }),
  })
  expect(response.status).toBe(200)
}

const userDataOf = (frame: SseFrame): Record<string, unknown> | undefined =>
  decodeJwt(frame.data).user_data as Record<string, unknown> | undefined

/** A token frame whose user_data has `field: value`. */
const tokenWith =
  (field: string, value: unknown) =>
  (frame: SseFrame): boolean =>
    frame.event === 'token' && userDataOf(frame)?.[field] === value

describe.each(testStores())(
  'the custom-data stream on $kind (docs/protocol.md §17.7)',
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ appDir: basicAppDir, storeKind })
    })
    afterAll(() => server.close())

    it('sends a fresh token of the session when a function changes the custom data', async () => {
      const login = await logIn(server.url)
      const stream = await openStream(server.url, login)
      await callFunction(server.url, login, { name: 'setMyData', args: [{ plan: 'pro' }] })
      const frame = await stream.waitFor(tokenWith('plan', 'pro'))
      const claims = decodeJwt(frame.data)
      const original = decodeJwt(login.accessToken)
      expect(claims.sub).toBe(login.userId)
      expect(claims.baas_id).toBe(original.baas_id)
      // Never extends the session's access: only a refresh does.
      expect(claims.exp).toBeLessThanOrEqual(original.exp!)
      // The token is one the server accepts.
      const profile = await fetch(`${server.url}/api/client/v2.0/auth/profile`, {
        headers: { Authorization: `Bearer ${frame.data}` },
      })
      expect(profile.status).toBe(200)
      stream.close()
    })

    it('sends the change of a plain SQL UPDATE and of a delete', async () => {
      const login = await logIn(server.url)
      await callFunction(server.url, login, { name: 'setMyData', args: [{ theme: 'light' }] })
      const stream = await openStream(server.url, login)
      await server.store.query(
        `UPDATE documents SET doc = jsonb_set(doc, '{theme}', '"dark"')
        WHERE db = 'app' AND coll = 'users' AND doc->>'user_id' = $1`,
        [login.userId],
      )
      await stream.waitFor(tokenWith('theme', 'dark'))
      const from = stream.frames.length
      await server.store.query(
        `DELETE FROM documents WHERE db = 'app' AND coll = 'users' AND doc->>'user_id' = $1`,
        [login.userId],
      )
      const deleted = await stream.waitFor((frame) => frame.event === 'token', { from })
      expect(userDataOf(deleted)).toBeUndefined()
      stream.close()
    })

    it("never sends another user's change", async () => {
      const alice = await logIn(server.url)
      const bob = await logIn(server.url)
      const aliceStream = await openStream(server.url, alice)
      await callFunction(server.url, bob, { name: 'setMyData', args: [{ plan: 'bob' }] })
      await callFunction(server.url, alice, { name: 'setMyData', args: [{ plan: 'alice' }] })
      await aliceStream.waitFor(tokenWith('plan', 'alice'))
      const tokens = aliceStream.frames.filter((frame) => frame.event === 'token')
      expect(tokens.map((frame) => decodeJwt(frame.data).sub)).toEqual([alice.userId])
      aliceStream.close()
    })

    it('sends, at once, a change committed between the token and the stream', async () => {
      const login = await logIn(server.url)
      await callFunction(server.url, login, { name: 'setMyData', args: [{ plan: 'missed' }] })
      // login.accessToken predates the change: the stream catches the caller up on opening.
      const stream = await openStream(server.url, login)
      await stream.waitFor(tokenWith('plan', 'missed'))
      stream.close()
    })

    it('ends at once when the session logs out, and refuses a logged-out session', async () => {
      const login = await logIn(server.url)
      const stream = await openStream(server.url, login)
      const logout = await fetch(`${server.url}/api/client/v2.0/auth/session`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${login.refreshToken}` },
      })
      expect(logout.status).toBe(204)
      const end = await stream.waitFor((frame) => frame.event === 'end')
      expect(JSON.parse(end.data)).toEqual({ reason: 'logout' })
      await stream.ended
      const again = await fetch(`${server.url}/api/client/v2.0/app/${APP_ID}/live/custom-data`, {
        headers: { Authorization: `Bearer ${login.accessToken}` },
      })
      expect(again.status).toBe(401)
      expect(await again.json()).toMatchObject({ error_code: 'InvalidSession' })
    })

    it('ends when the session is revoked or the user deleted by plain SQL', async () => {
      const login = await logIn(server.url)
      const stream = await openStream(server.url, login)
      const claims = decodeJwt(login.accessToken)
      await server.store.query('UPDATE sessions SET revoked_at = now() WHERE id = $1', [
        claims.baas_id,
      ])
      await stream.waitFor((frame) => frame.event === 'end' && frame.data.includes('logout'))

      const other = await logIn(server.url)
      const otherStream = await openStream(server.url, other)
      const deleted = await fetch(`${server.url}/api/client/v2.0/auth/delete`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${other.accessToken}` },
      })
      expect(deleted.status).toBe(204)
      await otherStream.waitFor((frame) => frame.event === 'end' && frame.data.includes('logout'))
    })

    it('refuses a request without a valid token, with no stream', async () => {
      const none = await fetch(`${server.url}/api/client/v2.0/app/${APP_ID}/live/custom-data`)
      expect(none.status).toBe(401)
      expect(await none.json()).toMatchObject({ error_code: 'MissingAuthReq' })
      const bad = await fetch(`${server.url}/api/client/v2.0/app/${APP_ID}/live/custom-data`, {
        headers: { Authorization: 'Bearer not-a-token' },
      })
      expect(bad.status).toBe(401)
    })
  },
)

describe.each(testStores())('live stream limits on $kind', (storeKind) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      appDir: basicAppDir,
      storeKind,
      accessTokenLifetime: 3,
      liveStreams: { streamsPerUser: 2, heartbeatSeconds: 0.2 },
    })
  })
  afterAll(() => server.close())

  it('sends heartbeats', async () => {
    const login = await logIn(server.url)
    const stream = await openStream(server.url, login)
    await stream.waitFor((frame) => frame.event === 'comment' && frame.data === 'ping')
    stream.close()
  })

  it('ends a stream when its access token expires', async () => {
    const login = await logIn(server.url)
    const stream = await openStream(server.url, login)
    const end = await stream.waitFor((frame) => frame.event === 'end', { timeoutMs: 15_000 })
    expect(JSON.parse(end.data)).toEqual({ reason: 'expired' })
    await stream.ended
  })

  it("ends the user's oldest stream past the cap", async () => {
    const login = await logIn(server.url)
    const first = await openStream(server.url, login)
    const second = await openStream(server.url, login)
    const third = await openStream(server.url, login)
    const end = await first.waitFor((frame) => frame.event === 'end')
    expect(JSON.parse(end.data)).toEqual({ reason: 'replaced' })
    expect(second.frames.some((frame) => frame.event === 'end')).toBe(false)
    expect(server.server.context.live.size).toBeGreaterThanOrEqual(2)
    second.close()
    third.close()
  })
})

// Without DATABASE_URL there is no shared database to run two processes on: testStores() says so.
describe.each(testStores().filter((store) => store.kind === 'postgres'))(
  'the custom-data stream across two server processes on one $kind database',
  (storeKind) => {
    let server: TestServer
    let other: CliProcess
    let otherUrl: string
    beforeAll(async () => {
      server = await startTestServer({ appDir: basicAppDir, storeKind })
      const [row] = await server.store.query<{ schema: string }>(
        'SELECT current_schema() AS schema',
      )
      other = spawnCli(
        ['start', '--app', basicAppDir, '--port', '0', '--database-schema', row!.schema],
        { DATABASE_URL: process.env.DATABASE_URL ?? '' },
      )
      otherUrl = await other.listening()
    }, 60_000)
    afterAll(async () => {
      other?.child.kill('SIGTERM')
      await other?.exited
      await server?.close()
    })

    it('a change and a logout made through the other process reach this one at once', async () => {
      const login = await logIn(server.url)
      const stream = await openStream(server.url, login)
      // The same session, used on the other process.
      await callFunction(otherUrl, login, { name: 'setMyData', args: [{ plan: 'elsewhere' }] })
      await stream.waitFor(tokenWith('plan', 'elsewhere'))
      const logout = await fetch(`${otherUrl}/api/client/v2.0/auth/session`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${login.refreshToken}` },
      })
      expect(logout.status).toBe(204)
      await stream.waitFor((frame) => frame.event === 'end' && frame.data.includes('logout'))
    })
  },
)
