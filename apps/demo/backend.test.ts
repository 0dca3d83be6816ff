// @vitest-environment node
import { App, Credentials, createMemoryStorage, type User } from '@react-custom-data/client'
import {
  demoAppDir,
  startTestServer,
  testStores,
  type TestServer,
} from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_ID } from './src/config'

/**
 * The demo's backend folder (`backend/`) on the real server: what the page relies on, and what a
 * newcomer relies on when signing up with no email server.
 */
describe.each(testStores())('the demo backend on $kind', (storeKind) => {
  let server: TestServer
  let email = 0
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir, storeKind })
  })
  afterAll(() => server.close())

  const newApp = () =>
    new App({
      id: APP_ID,
      baseUrl: server.url,
      storage: createMemoryStorage(),
      autoRefresh: false,
      crossTab: false,
    })
  const signUp = async (): Promise<{ app: App; user: User; address: string }> => {
    const app = newApp()
    const address = `newcomer-${++email}@example.com`
    await app.emailPasswordAuth.registerUser({ email: address, password: 'correct horse' })
    const user = await app.logIn(Credentials.emailPassword(address, 'correct horse'))
    return { app, user, address }
  }
  const documentOf = async (userId: string) =>
    (
      await server.store.query<{ doc: Record<string, unknown> }>(
        `SELECT doc FROM documents WHERE db = 'custom-user-data-database' AND doc->>'userId' = $1`,
        [userId],
      )
    ).map((row) => row.doc)

  it('signs a newcomer up with email and password and logs them in, no email needed', async () => {
    const { user, address } = await signUp()
    expect(user.providerType).toBe('local-userpass')
    expect(user.profile.email).toBe(address)
    expect(user.customData).toEqual({})
  })

  it('refuses a wrong password and a second account on the same email, saying why', async () => {
    const { app, address } = await signUp()
    await expect(app.logIn(Credentials.emailPassword(address, 'wrong password'))).rejects.toThrow(
      'unauthorized',
    )
    await expect(
      app.emailPasswordAuth.registerUser({ email: address, password: 'another one' }),
    ).rejects.toMatchObject({ errorCode: 'AccountNameInUse' })
  })

  it("writes the page's preferences, with the server's clock as updatedAt", async () => {
    const { user } = await signUp()
    const deviceClock = new Date('2001-01-01T00:00:00Z')
    const before = Date.now()
    await user.functions.writeCustomUserData!({
      theme: 'dark',
      language: 'pt-BR',
      timeZone: 'America/Sao_Paulo',
      favoriteFood: 'feijoada',
      updatedAt: deviceClock,
    })
    const data = user.customData
    expect(data).toMatchObject({
      userId: user.id,
      theme: 'dark',
      language: 'pt-BR',
      timeZone: 'America/Sao_Paulo',
      favoriteFood: 'feijoada',
    })
    expect(data.updatedAt).toBeInstanceOf(Date)
    expect((data.updatedAt as Date).getTime()).toBeGreaterThanOrEqual(before - 1000)
  })

  it.each([
    [{ theme: 'purple' }, 'theme must be one of system, light, dark'],
    [{ favoriteFood: '   ' }, 'favourite food must be 1 to 60 characters long'],
    [{ favoriteFood: 'x'.repeat(61) }, 'favourite food must be 1 to 60 characters long'],
    [{ favoriteFood: 42 }, 'favourite food must be 1 to 60 characters long'],
    [{ language: 'not a language!' }, 'language must be a language tag such as "en" or "pt-BR"'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'time zone must be an IANA time zone'],
    [{ updatedAt: 'yesterday' }, 'updatedAt must be a date'],
  ])('refuses %j with a clear message and writes nothing', async (patch, message) => {
    const { user } = await signUp()
    await expect(user.functions.writeCustomUserData!(patch)).rejects.toMatchObject({
      status: 400,
      errorCode: 'FunctionExecutionError',
      message: expect.stringContaining(message),
    })
    expect(await documentOf(user.id)).toEqual([])
  })

  it('names every bad field at once, and a good field next to a bad one is not written', async () => {
    const { user } = await signUp()
    await expect(
      user.functions.writeCustomUserData!({
        theme: 'neon',
        timeZone: 'Nowhere',
        favoriteFood: 'ok',
      }),
    ).rejects.toThrow(/theme must be.*; time zone must be/)
    expect(await documentOf(user.id)).toEqual([])
  })

  it('keeps fields it does not know, as the App Services example does', async () => {
    const { user } = await signUp()
    await user.functions.writeCustomUserData!({ favoriteFood: 'pho', visits: 3 })
    expect(user.customData).toMatchObject({ favoriteFood: 'pho', visits: 3 })
  })
})
