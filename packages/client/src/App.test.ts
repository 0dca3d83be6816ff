import {
  demoAppDir,
  startTestServer,
  testStores,
  type TestServer,
} from '@react-custom-data/server/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { App } from './App'
import { isApiError } from './ApiError'
import { Credentials } from './Credentials'
import { ObjectId } from './ObjectId'
import { createMemoryStorage } from './storage'

describe.each(testStores())('App against the real server on $kind', (storeKind) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir, storeKind })
  })
  afterAll(() => server.close())
  beforeEach(() => {
    server.requests.length = 0
  })

  const newApp = (storage = createMemoryStorage()) =>
    new App({ id: 'preferences-demo', baseUrl: server.url, storage })

  it('logs in anonymously in one login request after location discovery', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    expect(app.currentUser).toBe(user)
    expect(user.state).toBe('active')
    expect(user.profile?.identities[0]?.providerType).toBe('anon-user')
    expect(server.requests).toEqual([
      'GET /api/client/v2.0/app/preferences-demo/location',
      'POST /api/client/v2.0/app/preferences-demo/auth/providers/anon-user/login',
    ])
  })

  it('reads custom data from the token with no request, then writes and refreshes it', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    server.requests.length = 0
    expect(user.customData).toEqual({})
    expect(server.requests).toEqual([])

    const result = await user.functions.writeCustomUserData!({
      favoriteFood: 'pizza',
      since: new Date(0),
    })
    expect(result).toMatchObject({
      matchedCount: 0,
      modifiedCount: 0,
      upsertedId: expect.any(ObjectId),
    })
    const data = await user.refreshCustomData()
    expect(data).toMatchObject({ userId: user.id, favoriteFood: 'pizza', since: new Date(0) })
    expect(data._id).toBeInstanceOf(ObjectId)
    expect(user.customData).toBe(data)
    expect(server.requests).toEqual([
      'POST /api/client/v2.0/app/preferences-demo/functions/call',
      'POST /api/client/v2.0/auth/session',
    ])
  })

  it('sends one refresh for ten concurrent refreshCustomData calls', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    server.requests.length = 0
    await Promise.all(Array.from({ length: 10 }, () => user.refreshCustomData()))
    expect(server.requests).toEqual(['POST /api/client/v2.0/auth/session'])
  })

  it('restores the session from storage in a new App (a page reload)', async () => {
    const storage = createMemoryStorage()
    const user = await newApp(storage).logIn(Credentials.anonymous())
    const reloaded = newApp(storage)
    expect(reloaded.currentUser?.id).toBe(user.id)
    expect(reloaded.currentUser?.accessToken).toBe(user.accessToken)
  })

  it('reuses the logged-in anonymous user instead of creating another', async () => {
    const app = newApp()
    const first = await app.logIn(Credentials.anonymous())
    const again = await app.logIn(Credentials.anonymous())
    expect(again).toBe(first)
    const fresh = await app.logIn(Credentials.anonymous(false))
    expect(fresh.id).not.toBe(first.id)
  })

  it('logs out: tokens gone, no current user, and calls fail with a clear error', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    await user.logOut()
    expect(user.state).toBe('logged-out')
    expect(app.currentUser).toBeNull()
    const error: unknown = await user
      .callFunction('writeCustomUserData', {})
      .catch((e: unknown) => e)
    expect(isApiError(error) && error.errorCode).toBe('InvalidSession')
  })

  it('rejects a failing function with the server message and code', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    const error: unknown = await user.functions.writeCustomUserData!('not an object').catch(
      (e: unknown) => e,
    )
    expect(isApiError(error)).toBe(true)
    expect(error).toMatchObject({
      status: 400,
      errorCode: 'FunctionExecutionError',
      message: 'writeCustomUserData expects an object of fields to set',
    })
  })

  it('answers an unknown function with FunctionNotFound', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    await expect(user.callFunction('nope')).rejects.toMatchObject({
      status: 404,
      errorCode: 'FunctionNotFound',
    })
  })
})
