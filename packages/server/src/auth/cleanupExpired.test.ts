import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import {
  authAppDir,
  createCapturingMailer,
  createInProcessServer,
  type InProcessServer,
} from '../testUtils'
import { cleanupExpired } from './cleanupExpired'

describe.each(testStores())('housekeeping on $kind', (storeKind) => {
  let s: InProcessServer
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  beforeAll(async () => {
    s = await createInProcessServer(storeKind, {
      appDir: authAppDir,
      clock,
      mailer: createCapturingMailer(),
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
    })
  })
  afterAll(() => s.close())

  const sessionsOf = async (userId: string) =>
    (await s.store.query('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).length

  it('deletes sessions ended a week ago and spent confirmation tokens, and keeps the rest', async () => {
    const ended = await s.logInAnonymously()
    const live = await s.logInAnonymously()
    await s.request('DELETE', '/auth/session', { token: ended.refresh_token })
    await s.provider('local-userpass', 'register', {
      email: 'housekeeping@example.com',
      password: 'good password',
    })
    const tokens = () =>
      s.store.query(`SELECT 1 FROM userpass_tokens WHERE email = 'housekeeping@example.com'`)
    expect(await tokens()).toHaveLength(1)

    // A day later the ended session is still kept, so a late replay of its token is recognised.
    now += 24 * 3600 * 1000
    await cleanupExpired(s.store, clock)
    expect(await sessionsOf(ended.user_id)).toBe(1)
    expect(await tokens()).toHaveLength(0) // the 30-minute link has expired

    now += 7 * 24 * 3600 * 1000
    await cleanupExpired(s.store, clock)
    expect(await sessionsOf(ended.user_id)).toBe(0)
    expect(await sessionsOf(live.user_id)).toBe(1)
    const refresh = await s.request('POST', '/auth/session', { token: live.refresh_token })
    expect(refresh.status).toBe(201)
  })
})
