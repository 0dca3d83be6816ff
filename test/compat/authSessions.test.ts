import { fileURLToPath } from 'node:url'
import { EJSON, ObjectId } from 'bson'
import { SignJWT } from 'jose'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdks, type SdkUser } from './sdks'

const appDir = fileURLToPath(new URL('./app', import.meta.url))
const JWT_SECRET = 'the-compat-suite-jwt-secret-of-32-bytes'
const API = '/api/client/v2.0'

describe.each(testStores())('auth and sessions against the server on $kind', (storeKind) => {
  let server: TestServer
  let now = Date.now()
  const clock = { now: () => now }
  let seq = 0

  beforeAll(async () => {
    server = await startTestServer({
      appDir,
      storeKind,
      clock,
      secrets: { compatJwtKey: JWT_SECRET },
    })
  })
  afterAll(() => server.close())

  /** Writes the user's custom-data document straight into the store, as any other writer would. */
  const setProfile = async (userId: string, fields: Record<string, unknown>) => {
    const existing = await server.store.query<{ id: string }>(
      `SELECT id FROM documents WHERE db = 'compat' AND coll = 'profiles' AND doc->>'owner' = $1`,
      [userId],
    )
    if (existing[0]) {
      await server.store.query(`UPDATE documents SET doc = doc || $2::jsonb WHERE id = $1`, [
        existing[0].id,
        EJSON.stringify(fields, { relaxed: false }),
      ])
      return
    }
    const doc = { _id: new ObjectId(), owner: userId, ...fields }
    await server.store.query(
      `INSERT INTO documents (db, coll, id, doc) VALUES ('compat', 'profiles', $1, $2::jsonb)`,
      [EJSON.stringify(doc._id, { relaxed: false }), EJSON.stringify(doc, { relaxed: false })],
    )
  }

  const rawRefresh = (refreshToken: string) =>
    fetch(`${server.url}${API}/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${refreshToken}` },
    })

  describe.each(sdks)('with $name', (sdk) => {
    const newApp = (storage: unknown = sdk.createStorage()) => sdk.createApp(server.url, storage)
    const newEmail = () => `${sdk.name.replace(/\W/g, '')}-${++seq}@example.com`
    const registered = async (email = newEmail()) => {
      const app = newApp()
      await app.emailPasswordAuth.registerUser({ email, password: 'compat password' })
      return {
        app,
        email,
        user: await app.logIn(sdk.credentials.emailPassword(email, 'compat password')),
      }
    }

    it('logs in anonymously', async () => {
      const app = newApp()
      const user = await app.logIn(sdk.credentials.anonymous())
      expect(user.id).toMatch(/^[0-9a-f]{24}$/)
      expect(app.currentUser?.id).toBe(user.id)
      expect(user.customData).toEqual({})
      expect(await user.callFunction('whoAmI')).toEqual({ id: user.id, type: 'normal' })
    })

    it('registers with email and password, then logs in; a wrong password is refused', async () => {
      const { app, email, user } = await registered()
      expect(user.id).toMatch(/^[0-9a-f]{24}$/)
      await expect(
        app.logIn(sdk.credentials.emailPassword(email, 'wrong password')),
      ).rejects.toMatchObject({
        message: expect.stringContaining('unauthorized'),
      })
      await expect(
        newApp().emailPasswordAuth.registerUser({ email, password: 'compat password' }),
      ).rejects.toMatchObject({ message: expect.stringContaining('name already in use') })
    })

    it('reads user.customData right after login, and refreshCustomData() after the document changed', async () => {
      const { app, email, user } = await registered()
      await setProfile(user.id, { favoriteColor: 'teal', visits: 3 })
      const again = await app.logIn(sdk.credentials.emailPassword(email, 'compat password'))
      expect(again.id).toBe(user.id)
      expect(again.customData).toMatchObject({ owner: user.id, favoriteColor: 'teal', visits: 3 })

      await setProfile(user.id, { favoriteColor: 'plum' })
      expect(again.customData).toMatchObject({ favoriteColor: 'teal' })
      const fresh = await again.refreshCustomData()
      expect(fresh).toMatchObject({ favoriteColor: 'plum', visits: 3 })
      expect(again.customData).toMatchObject({ favoriteColor: 'plum' })
    })

    it('logOut() ends the session: its refresh token is refused as App Services would', async () => {
      const { user } = await registered()
      const refreshToken = user.refreshToken!
      expect((await rawRefresh(refreshToken)).status).toBe(201)
      await user.logOut()
      expect(user.state).toBe('logged-out')
      const after = await rawRefresh(refreshToken)
      expect(after.status).toBe(401)
      expect(await after.json()).toMatchObject({ error_code: 'InvalidSession' })
      await expect(user.refreshCustomData()).rejects.toThrow()
    })

    it('creates a user API key, logs in with it, and disables it', async () => {
      const { app, user } = await registered()
      const key = await user.apiKeys.create('ci')
      expect(key).toMatchObject({ name: 'ci', key: expect.any(String) })
      const withKey = await newApp().logIn(sdk.credentials.apiKey(key.key!))
      expect(withKey.id).toBe(user.id)
      const id = String(key._id)
      await user.apiKeys.disable(id)
      expect(await user.apiKeys.fetch(id)).toMatchObject({ disabled: true })
      await expect(app.logIn(sdk.credentials.apiKey(key.key!))).rejects.toMatchObject({
        message: expect.stringContaining('invalid API key'),
      })
    })

    it('logs in with a custom JWT signed by the test', async () => {
      const subject = `ext-${++seq}`
      const token = await new SignJWT({ name: 'Ext Ernal' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(subject)
        .setAudience('compat-app')
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + 300)
        .sign(new TextEncoder().encode(JWT_SECRET))
      const app = newApp()
      const user = await app.logIn(sdk.credentials.jwt(token))
      const again = await newApp().logIn(sdk.credentials.jwt(token))
      expect(again.id).toBe(user.id)
      const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
      await expect(newApp().logIn(sdk.credentials.jwt(forged))).rejects.toMatchObject({
        message: expect.stringContaining('invalid custom auth token'),
      })
    })

    it('refreshes an expired access token and retries the call', async () => {
      const { user } = await registered()
      expect(await user.callFunction('whoAmI')).toMatchObject({ id: user.id })
      now += 31 * 60 * 1000
      const before = server.requests.length
      expect(await user.callFunction('whoAmI')).toMatchObject({ id: user.id })
      const sent = server.requests.slice(before)
      expect(sent).toEqual([
        `POST ${API}/app/compat-app-abcde/functions/call`,
        `POST ${API}/auth/session`,
        `POST ${API}/app/compat-app-abcde/functions/call`,
      ])
    })

    it('restores the user on a second page load (a new App on the same storage)', async () => {
      const storage = sdk.createStorage()
      const first = newApp(storage)
      const email = newEmail()
      await first.emailPasswordAuth.registerUser({ email, password: 'compat password' })
      const user: SdkUser = await first.logIn(
        sdk.credentials.emailPassword(email, 'compat password'),
      )
      await setProfile(user.id, { favoriteColor: 'amber' })
      await user.refreshCustomData()

      const second = newApp(storage)
      expect(second.currentUser?.id).toBe(user.id)
      expect(second.currentUser?.customData).toMatchObject({ favoriteColor: 'amber' })
      expect(await second.currentUser!.callFunction('whoAmI')).toMatchObject({ id: user.id })
    })
  })
})
