import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApiKey } from '../auth/apiKeys'
import { systemClock } from '../Clock'
import { openEventStream } from '../live/readEventStream'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'
import { basicAppDir } from '../testUtils'

const APP = '/api/client/v2.0/app/basic-app-abcde'

describe.each(testStores())('the admin HTTP API on $kind (docs/protocol.md §17.8)', (storeKind) => {
  let server: TestServer
  let key: string
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api/admin/v1${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    })
  const logIn = async () => {
    const response = await fetch(`${server.url}${APP}/auth/providers/anon-user/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
    return (await response.json()) as {
      user_id: string
      access_token: string
      refresh_token: string
    }
  }

  beforeAll(async () => {
    server = await startTestServer({ appDir: basicAppDir, storeKind })
    key = (
      await createServerApiKey(server.store, systemClock, {
        name: 'back-office',
        providerName: 'api-key',
      })
    ).key!
  })
  afterAll(() => server.close())

  it('refuses requests without a server API key', async () => {
    const user = await logIn()
    for (const authorization of [
      undefined,
      'Bearer not-a-key',
      `Bearer ${user.access_token}`,
      `Bearer ${user.refresh_token}`,
    ]) {
      const response = await fetch(`${server.url}/api/admin/v1/users`, {
        headers: authorization ? { Authorization: authorization } : {},
      })
      expect(response.status).toBe(401)
      const body = (await response.json()) as Record<string, unknown>
      expect(body.error_code).toMatch(/^(MissingAuthReq|AuthError)$/)
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts/)
    }
  })

  it('sets custom data, and the user’s open stream carries it at once', async () => {
    const user = await logIn()
    const stream = await openEventStream(`${server.url}${APP}/live/custom-data`, {
      headers: { Authorization: `Bearer ${user.access_token}` },
    })
    await stream.waitFor((frame) => frame.event === 'ready')
    const set = await admin(`/users/${user.user_id}/custom-data`, {
      method: 'PATCH',
      body: JSON.stringify({ plan: 'pro', since: { $date: '2026-01-01T00:00:00Z' } }),
    })
    expect(set.status).toBe(200)
    expect(await set.json()).toMatchObject({
      user_id: user.user_id,
      plan: 'pro',
      // EJSON in and out: the date is stored as a date.
      since: { $date: '2026-01-01T00:00:00.000Z' },
    })
    const frame = await stream.waitFor((f) => f.event === 'token')
    expect(decodeJwt(frame.data).user_data).toMatchObject({ plan: 'pro' })
    // Other fields stay.
    await admin(`/users/${user.user_id}/custom-data`, {
      method: 'PATCH',
      body: JSON.stringify({ theme: 'dark' }),
    })
    const read = await admin(`/users/${user.user_id}/custom-data`)
    expect(await read.json()).toMatchObject({ plan: 'pro', theme: 'dark' })
    stream.close()
  })

  it('answers clear errors for bad input, writing nothing', async () => {
    const user = await logIn()
    for (const body of [
      '[1]',
      '"pro"',
      '{}',
      '{"_id": 1}',
      '{"user_id": "x"}',
      '{"$set": {}}',
      '{',
    ]) {
      const response = await admin(`/users/${user.user_id}/custom-data`, { method: 'PATCH', body })
      expect(response.status).toBe(400)
    }
    expect(await (await admin(`/users/${user.user_id}/custom-data`)).json()).toBeNull()
    const missing = await admin('/users/000000000000000000000000/custom-data', {
      method: 'PATCH',
      body: '{"plan":"pro"}',
    })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error_code: 'UserNotFound' })
    expect((await admin('/users?limit=0')).status).toBe(400)
    expect((await admin('/users?limit=abc')).status).toBe(400)
  })

  it('lists and gets users', async () => {
    const user = await logIn()
    const list = (await (await admin('/users?limit=1000')).json()) as { id: string }[]
    expect(list.map((entry) => entry.id)).toContain(user.user_id)
    const one = await admin(`/users/${user.user_id}`)
    expect(await one.json()).toMatchObject({
      id: user.user_id,
      type: 'normal',
      disabled: false,
      providers: ['anon-user'],
    })
    const first = list[0]!.id
    const after = (await (await admin(`/users?after=${first}&limit=1000`)).json()) as {
      id: string
    }[]
    expect(after.map((entry) => entry.id)).toEqual(list.slice(1).map((entry) => entry.id))
  })

  it('disables a user: its stream ends at once and its session no longer refreshes', async () => {
    const user = await logIn()
    const stream = await openEventStream(`${server.url}${APP}/live/custom-data`, {
      headers: { Authorization: `Bearer ${user.access_token}` },
    })
    await stream.waitFor((frame) => frame.event === 'ready')
    expect((await admin(`/users/${user.user_id}/disable`, { method: 'POST' })).status).toBe(204)
    await stream.waitFor((frame) => frame.event === 'end' && frame.data.includes('logout'))
    const refresh = await fetch(`${server.url}/api/client/v2.0/auth/session`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.refresh_token}` },
    })
    expect(refresh.status).toBe(401)
  })

  it('deletes a user', async () => {
    const user = await logIn()
    expect((await admin(`/users/${user.user_id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await admin(`/users/${user.user_id}`)).status).toBe(404)
    expect((await admin(`/users/${user.user_id}`, { method: 'DELETE' })).status).toBe(404)
  })
})
