import { randomBytes } from 'node:crypto'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'

interface Login {
  access_token: string
  refresh_token: string
  user_id: string
}

describe.each(testStores())('sessions and refresh-token rotation on $kind', (storeKind) => {
  let s: InProcessServer
  let idle: InProcessServer
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  const seconds = (n: number) => {
    now += n * 1000
  }

  const logIn = async (rotating: boolean, server = s): Promise<Login> => {
    const answer = await server.provider('anon-user', 'login', {
      options: {
        device: { sdkVersion: '2.0.1' },
        ...(rotating ? { refreshTokenRotation: true } : {}),
      },
    })
    expect(answer.status).toBe(200)
    return answer.body as Login
  }
  const refresh = (token: string, server = s) => server.request('POST', '/auth/session', { token })
  const successor = async (token: string): Promise<string> => {
    const answer = await refresh(token)
    expect(answer.status).toBe(201)
    const body = answer.body as { refresh_token?: string }
    expect(body.refresh_token).toEqual(expect.any(String))
    return body.refresh_token!
  }
  const sessionRevoked = async (userId: string) => {
    const [row] = await s.store.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM sessions WHERE user_id = $1',
      [userId],
    )
    return row?.revoked_at !== null
  }

  beforeAll(async () => {
    s = await createInProcessServer(storeKind, { clock })
    idle = await createInProcessServer(storeKind, {
      clock,
      sessionIdleTimeout: 3600,
      shareStore: s.store,
    })
  })
  afterAll(async () => {
    await s.close()
    await idle.close()
  })

  it('never rotates a session that did not ask: realm-web keeps its one refresh token (§15.7)', async () => {
    const login = await logIn(false)
    for (let i = 0; i < 3; i++) {
      const answer = await refresh(login.refresh_token)
      expect(answer.status).toBe(201)
      expect(Object.keys(answer.body as object)).toEqual(['access_token'])
    }
  })

  it('B11: a rotating session answers a new access token and a new refresh token, and marks the old one used', async () => {
    const login = await logIn(true)
    const next = await successor(login.refresh_token)
    expect(next).not.toBe(login.refresh_token)
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const rows = await s.store.query<{ rotated_at: Date | null }>(
      `SELECT rt.rotated_at FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
        WHERE s.user_id = $1 ORDER BY rt.created_at, rt.rotated_at NULLS LAST`,
      [login.user_id],
    )
    expect(rows.map((row) => row.rotated_at !== null)).toEqual([true, false])
    expect((await refresh(next)).status).toBe(201)
  })

  it('B12: a rotated-out token replayed outside the grace window revokes the whole session, for good', async () => {
    const login = await logIn(true)
    const second = await successor(login.refresh_token)
    seconds(1)
    const third = await successor(second)
    seconds(60)
    const replay = await refresh(login.refresh_token)
    expect(replay).toMatchObject({ status: 401, body: { error_code: 'InvalidSession' } })
    expect(await sessionRevoked(login.user_id)).toBe(true)
    expect((await refresh(third)).status).toBe(401)
    expect((await s.request('GET', '/auth/profile', { token: login.access_token })).status).toBe(
      401,
    )
  })

  it('B13: one token presented twice within the grace window gets the identical successor both times', async () => {
    const login = await logIn(true)
    const first = await successor(login.refresh_token)
    seconds(5)
    expect(await successor(login.refresh_token)).toBe(first)
    // Even when the other tab already moved on: it lands on the same live branch.
    const moved = await successor(first)
    seconds(2)
    expect(await successor(login.refresh_token)).toBe(moved)
    expect(await sessionRevoked(login.user_id)).toBe(false)
  })

  it('B14: a lost answer: the parent of the current token, retried after 60 s, gets the current token again', async () => {
    const login = await logIn(true)
    const lost = await successor(login.refresh_token)
    seconds(60)
    expect(await successor(login.refresh_token)).toBe(lost)
    expect((await refresh(lost)).status).toBe(201)
  })

  it('B15: the grandparent of the current token, outside the grace window, revokes the session', async () => {
    const login = await logIn(true)
    const rt1 = await successor(login.refresh_token)
    seconds(20)
    const rt2 = await successor(rt1)
    seconds(20)
    expect((await refresh(login.refresh_token)).status).toBe(401)
    expect(await sessionRevoked(login.user_id)).toBe(true)
    expect((await refresh(rt2)).status).toBe(401)
  })

  it('B16: 20 concurrent refreshes with one token mint exactly one successor, and all 20 get it', async () => {
    const login = await logIn(true)
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => refresh(login.refresh_token)),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201))
    const tokens = new Set(answers.map((a) => (a.body as { refresh_token: string }).refresh_token))
    expect(tokens.size).toBe(1)
    const rows = await s.store.query(
      `SELECT 1 FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE s.user_id = $1`,
      [login.user_id],
    )
    expect(rows).toHaveLength(2)
  })

  it('B17: logout ends the session: refresh and session-checking routes refuse at once; the JWT itself still verifies until exp', async () => {
    const login = await logIn(true)
    expect(
      (await s.request('DELETE', '/auth/session', { token: login.refresh_token })).status,
    ).toBe(204)
    expect(await refresh(login.refresh_token)).toMatchObject({
      status: 401,
      body: { error_code: 'InvalidSession' },
    })
    expect((await s.request('GET', '/auth/profile', { token: login.access_token })).status).toBe(
      401,
    )
    const jwks = await s.request('GET', 'http://localhost/.well-known/jwks.json')
    const { payload } = await jwtVerify(login.access_token, createLocalJWKSet(jwks.body as never), {
      currentDate: new Date(now),
    })
    expect(payload.sub).toBe(login.user_id)
    expect(
      await s.request('DELETE', '/auth/session', { token: login.refresh_token }),
    ).toMatchObject({
      status: 401,
      body: { error: 'failed to find refresh token' },
    })
  })

  it('B19: a refresh token past its 60-day lifetime, or idle past the idle timeout, is refused', async () => {
    const login = await logIn(false)
    seconds(59 * 24 * 3600)
    expect((await refresh(login.refresh_token)).status).toBe(201)
    seconds(2 * 24 * 3600)
    expect(await refresh(login.refresh_token)).toMatchObject({
      status: 401,
      body: { error_code: 'InvalidSession' },
    })

    const active = await logIn(true, idle)
    seconds(3000)
    const next = (await refresh(active.refresh_token, idle).then((a) => a.body)) as {
      refresh_token: string
    }
    seconds(3000)
    expect((await refresh(next.refresh_token, idle)).status).toBe(201)
    const dozing = await logIn(false, idle)
    seconds(3601)
    expect((await refresh(dozing.refresh_token, idle)).status).toBe(401)
    // The API-key routes take the refresh token too: an idle session cannot mint a lasting key.
    expect(
      (await idle.request('GET', '/auth/api_keys', { token: dozing.refresh_token })).status,
    ).toBe(401)
  })

  it('B20: a deleted or disabled user: every refresh token fails and access tokens are refused', async () => {
    const deleted = await logIn(false)
    const other = await refresh(deleted.refresh_token)
    expect(other.status).toBe(201)
    expect(
      (await s.request('DELETE', '/auth/delete', { token: deleted.access_token })).status,
    ).toBe(204)
    expect((await refresh(deleted.refresh_token)).status).toBe(401)
    const token = (other.body as { access_token: string }).access_token
    expect((await s.request('GET', '/auth/profile', { token })).status).toBe(401)
    expect(await s.store.query('SELECT 1 FROM users WHERE id = $1', [deleted.user_id])).toEqual([])

    const disabled = await logIn(true)
    await s.store.query('UPDATE users SET disabled = true WHERE id = $1', [disabled.user_id])
    expect((await refresh(disabled.refresh_token)).status).toBe(401)
    expect((await s.request('GET', '/auth/profile', { token: disabled.access_token })).status).toBe(
      401,
    )
  })

  it('B22: the store holds refresh tokens only as hashes; a random token fails like a revoked one', async () => {
    const login = await logIn(true)
    const next = await successor(login.refresh_token)
    for (const table of ['sessions', 'refresh_tokens', 'users', 'identities']) {
      const dump = JSON.stringify(await s.store.query(`SELECT * FROM ${table}`))
      expect(dump).not.toContain(login.refresh_token)
      expect(dump).not.toContain(next)
    }
    const revoked = await logIn(false)
    await s.request('DELETE', '/auth/session', { token: revoked.refresh_token })
    const random = await refresh(randomBytes(32).toString('base64url'))
    const dead = await refresh(revoked.refresh_token)
    expect(random.status).toBe(401)
    expect(random.body).toEqual(dead.body)
  })

  it('B23: a forged token of the right shape is refused and revokes nobody', async () => {
    const victim = await logIn(true)
    for (let i = 0; i < 5; i++) {
      expect((await refresh(randomBytes(32).toString('base64url'))).status).toBe(401)
    }
    expect(await sessionRevoked(victim.user_id)).toBe(false)
    expect((await refresh(victim.refresh_token)).status).toBe(201)
  })

  it('refuses a missing, "null" or malformed bearer with 401 and never a 500', async () => {
    expect(await s.request('POST', '/auth/session')).toMatchObject({
      status: 401,
      body: { error_code: 'MissingAuthReq' },
    })
    expect(
      await s.request('POST', '/auth/session', { headers: { authorization: 'Bearer null' } }),
    ).toMatchObject({ status: 401 })
    expect((await refresh('x'.repeat(5000))).status).toBe(401)
  })

  it('refuses non-rotating logins when rotation is required', async () => {
    const strict = await createInProcessServer(storeKind, {
      refreshTokenRotation: 'required',
      shareStore: s.store,
    })
    try {
      expect(await strict.provider('anon-user', 'login', {})).toMatchObject({
        status: 400,
        body: { error_code: 'BadRequest' },
      })
      expect((await logIn(true, strict)).refresh_token).toEqual(expect.any(String))
    } finally {
      await strict.close()
    }
  })
})
