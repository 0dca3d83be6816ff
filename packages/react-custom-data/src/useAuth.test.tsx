import { Credentials, isApiError, type User } from '@react-custom-data/client'
import { act, renderHook, waitFor } from '@testing-library/react'
import { createHmac } from 'node:crypto'
import { StrictMode, useEffect, type ReactNode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  holdRequests,
  providerFor,
  renderAuthHook,
  requestsSince,
  settle,
  startHooksServer,
  TEST_JWT_KEY,
  tokenFromMail,
  type HooksServer,
} from './testUtils'
import { useAuth } from './useAuth'
import { useUser } from './useUser'

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

/** A JWT from "your own identity provider", signed with the fixture's custom-token key. */
const signJwt = (claims: Record<string, unknown>): string => {
  const now = Math.floor(Date.now() / 1000)
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = base64url(JSON.stringify({ aud: 'hooks-test', iat: now, exp: now + 600, ...claims }))
  const signature = createHmac('sha256', TEST_JWT_KEY).update(`${head}.${body}`).digest()
  return `${head}.${body}.${base64url(signature)}`
}

const LOGIN = (provider: string) =>
  `POST /api/client/v2.0/app/hooks-test/auth/providers/${provider}/login`

describe('useAuth against the real server', () => {
  let server: HooksServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  const renderAuth = (app = createTestApp(server.url)) => renderAuthHook(app, useAuth)

  it('logInWithAnonymous resolves with the user, now current, and tracks the operation', async () => {
    // The login is held at the client until the pending state was seen: a fast server would
    // otherwise answer before the first check.
    const hold = holdRequests((url) => url.endsWith('/auth/providers/anon-user/login'))
    const { app, result } = renderAuth(createTestApp(server.url, { fetch: hold.fetch }))
    expect(result.current.auth).toMatchObject({ status: 'idle', operation: null, error: null })
    let pending: Promise<User> | undefined
    act(() => {
      pending = result.current.auth.logInWithAnonymous()
    })
    const started = pending
    if (!started) throw new Error('logInWithAnonymous did not return a promise')
    await waitFor(() => expect(result.current.auth.isPending).toBe(true))
    expect(result.current.auth.operation).toBe('logInWithAnonymous')
    hold.release()
    const user = await act(() => started)
    expect(user).toBe(app.currentUser)
    expect(result.current.user).toBe(user)
    await waitFor(() => expect(result.current.auth.status).toBe('success'))
  })

  it('logOut resolves once the session is over, and the user is gone', async () => {
    const { result } = renderAuth()
    const user = await act(() => result.current.auth.logInWithAnonymous())
    await act(() => result.current.auth.logOut())
    expect(result.current.user).toBeNull()
    expect(user.state).toBe('logged-out')
    await waitFor(() => expect(result.current.auth.operation).toBe('logOut'))
    expect(result.current.auth.status).toBe('success')
  })

  it('a refused login is an error state with the server’s error, the promise rejects, and reset clears it', async () => {
    const { result } = renderAuth()
    let failure: unknown
    await act(async () => {
      failure = await result.current.auth
        .logInWithEmailPassword({ email: 'nobody@example.com', password: 'wrong-password' })
        .catch((error: unknown) => error)
    })
    expect(isApiError(failure)).toBe(true)
    await waitFor(() => expect(result.current.auth.status).toBe('error'))
    expect(result.current.auth).toMatchObject({
      isPending: false,
      error: failure,
      operation: 'logInWithEmailPassword',
    })
    expect(result.current.user).toBeNull()
    act(() => result.current.auth.reset())
    await waitFor(() => expect(result.current.auth.status).toBe('idle'))
    expect(result.current.auth.error).toBeNull()
  })

  it('logs in with email and password', async () => {
    const app = createTestApp(server.url)
    const email = 'ada@example.com'
    await app.emailPasswordAuth.registerUser({ email, password: 'correct horse' })
    await app.emailPasswordAuth.confirmUser(tokenFromMail(server, email))
    const { result } = renderAuth(app)
    const user = await act(() =>
      result.current.auth.logInWithEmailPassword({ email, password: 'correct horse' }),
    )
    expect(user.providerType).toBe('local-userpass')
    expect(result.current.user).toBe(user)
  })

  it('logs in with an API key', async () => {
    const app = createTestApp(server.url)
    // Anonymous users cannot hold API keys: the key's owner logs in through the auth function.
    const owner = await app.logIn(Credentials.function({ username: 'key-holder' }))
    const { key } = await owner.apiKeys.create('ci')
    await owner.logOut()
    const { result } = renderAuth(app)
    const user = await act(() => result.current.auth.logInWithApiKey(key ?? ''))
    expect(user.id).toBe(owner.id)
    expect(result.current.user).toBe(user)
  })

  it('logs in with a JWT from your own identity provider', async () => {
    const { result } = renderAuth()
    const user = await act(() =>
      result.current.auth.logInWithJWT(
        signJwt({
          sub: 'external-42',
          name: 'Ada',
          picture: 'https://example.com/ada.png',
          given_name: 'Augusta Ada',
          employee: { number: 7 },
        }),
      ),
    )
    expect(user.providerType).toBe('custom-token')
    // Named as in realm-web: the server's `picture` and `first_name` are `pictureUrl` and
    // `firstName`; a field the app named itself stays as it is.
    expect(user.profile).toEqual({
      name: 'Ada',
      pictureUrl: 'https://example.com/ada.png',
      firstName: 'Augusta Ada',
      employee_number: 7,
    })
    // The same external identity is the same user.
    await act(() => result.current.auth.logOut())
    const again = await act(() => result.current.auth.logInWithJWT(signJwt({ sub: 'external-42' })))
    expect(again.id).toBe(user.id)
  })

  it('logs in through the custom authentication function', async () => {
    const { result } = renderAuth()
    const user = await act(() => result.current.auth.logInWithFunction({ username: 'grace' }))
    expect(user.providerType).toBe('custom-function')
    const refused = await act(() =>
      result.current.auth.logInWithFunction({}).catch((error: unknown) => error),
    )
    expect(refused).toBeInstanceOf(Error)
    await waitFor(() => expect(result.current.auth.status).toBe('error'))
  })

  it('logIn takes any Credentials', async () => {
    const { result } = renderAuth()
    const user = await act(() => result.current.auth.logIn(Credentials.anonymous(false)))
    expect(result.current.user).toBe(user)
    expect(result.current.auth.operation).toBe('logIn')
  })

  it('keeps its actions stable across renders, so effects can depend on them', async () => {
    const { result, rerender } = renderAuth()
    const before = result.current.auth
    rerender()
    await act(() => result.current.auth.logInWithAnonymous())
    for (const action of ['logIn', 'logInWithAnonymous', 'logOut', 'reset'] as const) {
      expect(result.current.auth[action]).toBe(before[action])
    }
  })

  it('under StrictMode, logging in from an effect logs in once (no double login)', async () => {
    const app = createTestApp(server.url)
    const Provider = providerFor(app)
    const wrapper = ({ children }: { children?: ReactNode }) => (
      <StrictMode>
        <Provider>{children}</Provider>
      </StrictMode>
    )
    const from = server.requests.length
    const { result } = renderHook(
      () => {
        const { logInWithAnonymous } = useAuth()
        useEffect(() => {
          void logInWithAnonymous()
        }, [logInWithAnonymous])
        return useUser()
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current).not.toBeNull())
    await settle()
    expect(requestsSince(server, from).filter((r) => r === LOGIN('anon-user'))).toHaveLength(1)
    expect(Object.keys(app.allUsers)).toHaveLength(1)
  })
})
