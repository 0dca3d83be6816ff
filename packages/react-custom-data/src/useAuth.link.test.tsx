import { Credentials, isApiError, type User } from '@react-custom-data/client'
import { act, waitFor } from '@testing-library/react'
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  holdRequests,
  renderAuthHook,
  startHooksServer,
  TEST_JWT_KEY,
  type HooksServer,
} from './testUtils'
import { useAuth } from './useAuth'

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

/** A JWT from "your own identity provider", signed with the fixture's custom-token key. */
const signJwt = (claims: Record<string, unknown>): string => {
  const now = Math.floor(Date.now() / 1000)
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = base64url(JSON.stringify({ aud: 'hooks-test', iat: now, exp: now + 600, ...claims }))
  const signature = createHmac('sha256', TEST_JWT_KEY).update(`${head}.${body}`).digest()
  return `${head}.${body}.${base64url(signature)}`
}

describe('useAuth().linkCredentials and the social logins against the real server', () => {
  let server: HooksServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('links an identity to the current user, with the pending and success states of every action', async () => {
    const hold = holdRequests((url) => url.endsWith('/login?link=true'))
    const { result } = renderAuthHook(createTestApp(server.url, { fetch: hold.fetch }), useAuth)
    const user = await act(() => result.current.auth.logInWithAnonymous())
    let linking: Promise<User> | undefined
    act(() => {
      linking = result.current.auth.linkCredentials(
        Credentials.jwt(signJwt({ sub: 'linked-1', name: 'Ada' })),
      )
    })
    await waitFor(() => expect(result.current.auth.isPending).toBe(true))
    expect(result.current.auth.operation).toBe('linkCredentials')
    hold.release()
    const linked = await act(() => linking as Promise<User>)
    expect(linked).toBe(user)
    await waitFor(() => expect(result.current.auth.status).toBe('success'))
    // useUser() shows the new identity and profile: the same user, re-rendered.
    expect(result.current.user).toBe(user)
    expect(result.current.user?.identities.map((identity) => identity.providerType)).toEqual([
      'anon-user',
      'custom-token',
    ])
    expect(result.current.user?.profile.name).toBe('Ada')
  })

  it('an identity of another user is an error state; the user stays as it was', async () => {
    const { result } = renderAuthHook(createTestApp(server.url), useAuth)
    await act(() => result.current.auth.logInWithJWT(signJwt({ sub: 'owner-1' })))
    const other = await act(() => result.current.auth.logIn(Credentials.anonymous(false)))
    const failure = await act(() =>
      result.current.auth
        .linkCredentials(Credentials.jwt(signJwt({ sub: 'owner-1' })))
        .catch((error: unknown) => error),
    )
    expect(isApiError(failure) && failure).toMatchObject({
      errorCode: 'InvalidSession',
      message: 'a user already exists with the specified provider',
    })
    await waitFor(() => expect(result.current.auth.status).toBe('error'))
    expect(result.current.auth).toMatchObject({ error: failure, operation: 'linkCredentials' })
    expect(result.current.user).toBe(other)
    expect(other.identities).toHaveLength(1)
  })

  it('linkCredentials without a logged-in user, and a redirect login without the redirect flow, fail clearly', async () => {
    const { result } = renderAuthHook(createTestApp(server.url), useAuth)
    const noUser = await act(() =>
      result.current.auth.linkCredentials(Credentials.anonymous()).catch((error: unknown) => error),
    )
    expect(String(noUser)).toContain('linkCredentials needs a logged-in user')
    const noFlow = await act(() =>
      result.current.auth
        .logInWithGoogle({ redirectUrl: 'https://app.example.com/callback' })
        .catch((error: unknown) => error),
    )
    expect(String(noFlow)).toContain('A redirectUrl needs new App({ redirect: popupRedirect })')
    await waitFor(() => expect(result.current.auth.operation).toBe('logInWithGoogle'))
    expect(result.current.auth.status).toBe('error')
  })
})
