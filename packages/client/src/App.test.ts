import {
  startTestServer,
  testStores,
  type TestServer,
  type TestServerOptions,
} from '@react-custom-data/server/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from './App'
import { isApiError } from './ApiError'
import { Binary } from './Binary'
import { Credentials } from './Credentials'
import { Decimal128 } from './Decimal128'
import { ObjectId } from './ObjectId'
import { createMemoryStorage } from './storage'
import { Timestamp } from './Timestamp'
import { clientAppDir, fullStorage } from './testUtils'

const API = '/api/client/v2.0'
const APP = `${API}/app/client-app`

describe.each(testStores())('App against the real server on $kind', (storeKind) => {
  let server: TestServer
  const mails: Parameters<NonNullable<TestServerOptions['mailer']>['send']>[0][] = []
  beforeAll(async () => {
    server = await startTestServer({
      appDir: clientAppDir,
      storeKind,
      mailer: {
        send: (mail) => {
          mails.push(mail)
          return Promise.resolve()
        },
      },
    })
  })
  afterAll(() => server.close())
  beforeEach(() => {
    server.requests.length = 0
  })

  const newApp = (storage = createMemoryStorage()) =>
    new App({ id: 'client-app', baseUrl: server.url, storage })
  const uniqueEmail = () => `user-${new ObjectId().toHexString()}@example.com`

  it('logs in with one request after location discovery; the profile comes with it', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    expect(app.currentUser).toBe(user)
    expect(user.state).toBe('active')
    expect(user.identities).toEqual([{ id: expect.any(String), providerType: 'anon-user' }])
    // An anonymous user's provider knows nothing about them.
    expect(user.profile).toEqual({})
    expect(server.requests).toEqual([
      `GET ${APP}/location`,
      `POST ${APP}/auth/providers/anon-user/login`,
    ])
    // Discovery happens once per app.
    await app.logIn(Credentials.anonymous(false))
    expect(server.requests.filter((request) => request.endsWith('/location'))).toHaveLength(1)
  })

  it('a User never shows its tokens in JSON, and its functions proxy is no thenable', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    const json = JSON.stringify({ user })
    expect(JSON.parse(json)).toEqual({
      user: { id: user.id, state: 'active', providerType: 'anon-user' },
    })
    expect(json).not.toContain(user.refreshToken!)
    expect(json).not.toContain(user.accessToken!)
    expect(user.deviceId).toMatch(/^[\da-f]{24}$/)
    server.requests.length = 0
    // Awaiting it, or tools probing it, never turns into a function call.
    const functions: unknown = user.functions
    expect(await Promise.resolve(functions)).toBe(functions)
    for (const probe of ['then', 'toJSON', 'hasOwnProperty'])
      expect(Reflect.get(user.functions, probe)).toBeUndefined()
    expect(server.requests).toEqual([])
  })

  it('isApiError recognises an ApiError from any copy of the package, and nothing else', () => {
    expect(isApiError(Object.assign(new Error('from another copy'), { name: 'ApiError' }))).toBe(
      true,
    )
    for (const other of [new Error('x'), new TypeError('x'), null, undefined, 'ApiError', {}])
      expect(isApiError(other)).toBe(false)
  })

  it('refuses an App without an id with a TypeError naming the fix', () => {
    // @ts-expect-error -- the mistake under test
    expect(() => new App({ baseUrl: server.url })).toThrow(
      'new App() needs an app id: new App({ id, baseUrl })',
    )
    // @ts-expect-error -- the mistake under test
    expect(() => new App()).toThrow(TypeError)
  })

  it('skips location discovery when asked', async () => {
    const app = new App({ id: 'client-app', baseUrl: server.url, skipLocationRequest: true })
    await app.logIn(Credentials.anonymous())
    expect(server.requests).toEqual([`POST ${APP}/auth/providers/anon-user/login`])
  })

  it('reads custom data from the token with no request, decoded to our types', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    expect(user.customData).toEqual({})
    await user.functions.writeCustomUserData!({
      when: new Date(0),
      ref: new ObjectId('65a0000000000000000000ee'),
      price: new Decimal128('9.99'),
      nested: { list: [1, 'two', null] },
    })
    server.requests.length = 0
    const data = user.customData
    expect(server.requests).toEqual([])
    expect(data).toMatchObject({
      userId: user.id,
      when: new Date(0),
      ref: new ObjectId('65a0000000000000000000ee'),
      nested: { list: [1, 'two', null] },
    })
    expect(String(data.price)).toBe('9.99')
    expect(data._id).toBeInstanceOf(ObjectId)
    // The same object until the token changes.
    expect(user.customData).toBe(data)
  })

  it('reads a long beyond 2^53 back from the token exactly, as a bigint', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    await user.functions.writeCustomUserData!({ big: 2n ** 60n + 1n, small: 2n ** 40n })
    expect(user.customData).toMatchObject({ big: 2n ** 60n + 1n, small: 2 ** 40 })
  })

  it('carries Binary data through a function into customData and back', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    const raw = new Binary(new Uint8Array([0, 1, 2, 255]), 0)
    await user.functions.writeCustomUserData!({ raw })
    expect(user.customData.raw).toEqual(raw)
  })

  it('write then see: one request with X-Refreshed-Access-Token (docs/protocol.md §17.3)', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    server.requests.length = 0
    await user.functions.writeCustomUserData!({ favoriteFood: 'pizza' })
    expect(user.customData).toMatchObject({ favoriteFood: 'pizza' })
    expect(server.requests).toEqual([`POST ${APP}/functions/call`])
  })

  it('refreshCustomData sends one request; ten concurrent calls send one too', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    server.requests.length = 0
    const data = await user.refreshCustomData()
    expect(data).toBe(user.customData)
    expect(server.requests).toEqual([`POST ${API}/auth/session`])
    server.requests.length = 0
    const all = await Promise.all(Array.from({ length: 10 }, () => user.refreshCustomData()))
    expect(new Set(all).size).toBe(1)
    expect(server.requests).toEqual([`POST ${API}/auth/session`])
  })

  it('adopts the rotated refresh token of each refresh (docs/protocol.md §17.1)', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    const first = user.refreshToken
    await user.refreshCustomData()
    expect(user.refreshToken).not.toBe(first)
    const second = user.refreshToken
    await user.refreshCustomData()
    expect(user.refreshToken).not.toBe(second)
    expect(user.state).toBe('active')
  })

  it('encodes arguments as canonical EJSON and decodes results fully', async () => {
    const user = await newApp().logIn(Credentials.anonymous())
    const values = [
      1,
      2.5,
      2n ** 62n,
      new Date(1_700_000_000_000),
      new ObjectId('65a0000000000000000000ee'),
      new Timestamp({ t: 5, i: 6 }),
      /ab+c/i,
      { deep: [null, true, 'x'] },
    ]
    const echoed = await user.callFunction<unknown[]>('echo', ...values)
    expect(echoed).toEqual(values)
  })

  it('refreshProfile reads the profile again with one request, and keeps it', async () => {
    const username = `renamed-${new ObjectId().toHexString()}`
    const storage = createMemoryStorage()
    const user = await newApp(storage).logIn(Credentials.function({ username, pin: 1234 }))
    expect(user.profile).toEqual({ name: username })
    // The same user logs in on another device under a new name; the server keeps the latest.
    await newApp().logIn(Credentials.function({ username, pin: 1234, displayName: 'Ada' }))
    expect(user.profile.name).toBe(username)
    server.requests.length = 0
    await expect(user.refreshProfile()).resolves.toEqual({ name: 'Ada' })
    expect(user.profile).toEqual({ name: 'Ada' })
    expect(server.requests).toEqual([`GET ${API}/auth/profile`])
    expect(newApp(storage).currentUser?.profile).toEqual({ name: 'Ada' })
  })

  it('a storage that refuses writes (full) keeps the login, with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const app = newApp(fullStorage(createMemoryStorage()))
    const user = await app.logIn(Credentials.anonymous())
    expect(app.currentUser).toBe(user)
    await expect(user.callFunction('echo', 1)).resolves.toEqual([1])
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not store'))
  })

  it('restores users and tokens from storage in a new App (a page reload)', async () => {
    const storage = createMemoryStorage()
    const user = await newApp(storage).logIn(Credentials.anonymous())
    const reloaded = newApp(storage)
    expect(reloaded.currentUser?.id).toBe(user.id)
    expect(reloaded.currentUser?.accessToken).toBe(user.accessToken)
    expect(reloaded.currentUser?.identities).toEqual(user.identities)
    await expect(reloaded.currentUser!.callFunction('echo', 1)).resolves.toEqual([1])
  })

  it('reuses a logged-in anonymous user, never a logged-out one', async () => {
    const app = newApp()
    const first = await app.logIn(Credentials.anonymous())
    expect(await app.logIn(Credentials.anonymous())).toBe(first)
    const fresh = await app.logIn(Credentials.anonymous(false))
    expect(fresh.id).not.toBe(first.id)
    await fresh.logOut()
    await first.logOut()
    const next = await app.logIn(Credentials.anonymous())
    expect([first.id, fresh.id]).not.toContain(next.id)
  })

  it('switches users and lists them all, the most recent first', async () => {
    const app = newApp()
    const a = await app.logIn(Credentials.anonymous(false))
    const b = await app.logIn(Credentials.anonymous(false))
    expect(Object.keys(app.allUsers)).toEqual([b.id, a.id])
    expect(app.switchUser(a)).toBe(a)
    expect(app.currentUser).toBe(a)
    expect(Object.keys(app.allUsers)).toEqual([a.id, b.id])
    await a.logOut()
    expect(app.currentUser).toBe(b)
    expect(() => app.switchUser(a)).toThrow(`User ${a.id} is logged out; log in again`)
  })

  it('logs out: tokens gone, next user current, and calls fail with a clear error', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.anonymous())
    server.requests.length = 0
    await user.logOut()
    expect(server.requests).toEqual([`DELETE ${API}/auth/session`])
    expect(user.state).toBe('logged-out')
    expect(user.accessToken).toBeNull()
    expect(user.customData).toEqual({})
    expect(app.currentUser).toBeNull()
    const error: unknown = await user.callFunction('echo').catch((e: unknown) => e)
    expect(isApiError(error) && error.errorCode).toBe('InvalidSession')
    expect((error as Error).message).toBe(`User ${user.id} is logged out; log in again`)
    // No request goes out for a logged-out user (realm-web sends `Bearer null`).
    expect(server.requests).toHaveLength(1)
    // Logging out twice is harmless.
    await user.logOut()
  })

  it('removeUser logs out and forgets the user; deleteUser deletes it on the server', async () => {
    const storage = createMemoryStorage()
    const app = newApp(storage)
    const kept = await app.logIn(Credentials.anonymous(false))
    const removed = await app.logIn(Credentials.anonymous(false))
    await app.removeUser(removed)
    expect(removed.state).toBe('removed')
    expect(Object.keys(app.allUsers)).toEqual([kept.id])
    expect(storage.get(`react-custom-data:app(client-app):user(${removed.id})`)).toBeNull()

    const token = kept.refreshToken!
    server.requests.length = 0
    await app.deleteUser(kept)
    expect(server.requests).toEqual([`DELETE ${API}/auth/delete`])
    expect(app.allUsers).toEqual({})
    expect(kept.state).toBe('removed')
    // The server ended the session: the old refresh token no longer works.
    const response = await fetch(`${server.url}${API}/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(401)
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
    await expect(user.callFunction('nope')).rejects.toMatchObject({
      status: 404,
      errorCode: 'FunctionNotFound',
    })
    await expect(user.callFunction('')).rejects.toMatchObject({ errorCode: 'InvalidParameter' })
  })

  it('email/password: register, log in, reset the password with the emailed link', async () => {
    const app = newApp()
    const email = uniqueEmail()
    await app.emailPasswordAuth.registerUser({ email, password: 'first password' })
    const user = await app.logIn(Credentials.emailPassword(email, 'first password'))
    expect(user.providerType).toBe('local-userpass')
    // realm-web's shape: the profile is the provider's fields.
    expect(user.profile.email).toBe(email)

    await app.emailPasswordAuth.sendResetPasswordEmail({ email })
    const link = new URL(
      mails.findLast((mail) => mail.to === email && mail.kind === 'reset')!.link!,
    )
    await app.emailPasswordAuth.resetPassword({
      token: link.searchParams.get('token')!,
      tokenId: link.searchParams.get('tokenId')!,
      password: 'second password',
    })
    await expect(
      app.logIn(Credentials.emailPassword(email, 'first password')),
    ).rejects.toMatchObject({ status: 401 })
    const again = await app.logIn(Credentials.emailPassword(email, 'second password'))
    expect(again.id).toBe(user.id)
  })

  it('email/password: errors say what was wrong', async () => {
    const app = newApp()
    const email = uniqueEmail()
    await expect(
      app.emailPasswordAuth.registerUser({ email, password: 'x' }),
    ).rejects.toMatchObject({
      name: 'ApiError',
      status: 400,
      errorCode: 'InvalidParameter',
      message: expect.stringContaining('password must be between'),
    })
    await expect(
      app.emailPasswordAuth.confirmUser({ token: 'nope', tokenId: 'nope' }),
    ).rejects.toSatisfy(isApiError)
    await expect(app.logIn(Credentials.emailPassword(email, 'no such user'))).rejects.toMatchObject(
      { status: 401 },
    )
  })

  it('API keys: create, list, disable, enable, log in with one, delete', async () => {
    const app = newApp()
    const email = uniqueEmail()
    await app.emailPasswordAuth.registerUser({ email, password: 'a password' })
    const user = await app.logIn(Credentials.emailPassword(email, 'a password'))
    const created = await user.apiKeys.create('laptop')
    expect(created).toMatchObject({ name: 'laptop', disabled: false, key: expect.any(String) })
    const id = created._id
    expect(await user.apiKeys.fetchAll()).toEqual([
      expect.objectContaining({ _id: id, name: 'laptop' }),
    ])
    await user.apiKeys.disable(id)
    expect(await user.apiKeys.fetch(id)).toMatchObject({ disabled: true })
    await expect(app.logIn(Credentials.apiKey(created.key))).rejects.toSatisfy(isApiError)
    await user.apiKeys.enable(id)
    const viaKey = await newApp().logIn(Credentials.apiKey(created.key))
    expect(viaKey.id).toBe(user.id)
    await user.apiKeys.delete(id)
    expect(await user.apiKeys.fetchAll()).toEqual([])
  })

  it('custom function credentials log in through the auth function', async () => {
    const app = newApp()
    const user = await app.logIn(Credentials.function({ username: 'ada', pin: 1234 }))
    expect(user.providerType).toBe('custom-function')
    await expect(
      app.logIn(Credentials.function({ username: 'ada', pin: 1 })),
    ).rejects.toMatchObject({ status: 401, message: expect.stringContaining('wrong pin') })
  })
})
