import { isApiError } from '@react-custom-data/client'
import { act, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  anonymousUserWith,
  createTestApp,
  renderAuthHook,
  startHooksServer,
  tokenFromMail,
  type HooksServer,
} from './testUtils'
import { useEmailPasswordAuth } from './useEmailPasswordAuth'

describe('useEmailPasswordAuth against the real server', () => {
  let server: HooksServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  const renderAuth = (app = createTestApp(server.url)) => renderAuthHook(app, useEmailPasswordAuth)

  it('offers every flow of the email/password provider, under @realm/react’s names', () => {
    const { result } = renderAuth()
    for (const flow of [
      'logIn',
      'logOut',
      'register',
      'confirm',
      'resendConfirmationEmail',
      'retryCustomConfirmation',
      'sendResetPasswordEmail',
      'resetPassword',
      'callResetPasswordFunction',
    ] as const) {
      expect(result.current.auth[flow]).toBeTypeOf('function')
    }
  })

  it('registers, confirms with the mailed link, logs in and out, each step awaited', async () => {
    const { result } = renderAuth()
    const email = 'lin@example.com'
    await act(() => result.current.auth.register({ email, password: 'long enough secret' }))
    await waitFor(() => expect(result.current.auth.operation).toBe('register'))
    expect(result.current.auth.status).toBe('success')

    // Unconfirmed: the login is refused, and says why.
    const early = await act(() =>
      result.current.auth.logIn({ email, password: 'long enough secret' }).catch((e: unknown) => e),
    )
    expect(isApiError(early)).toBe(true)

    await act(() => result.current.auth.resendConfirmationEmail({ email }))
    expect(server.mails.filter((mail) => mail.to === email)).toHaveLength(2)
    await act(() => result.current.auth.confirm(tokenFromMail(server, email)))
    const user = await act(() =>
      result.current.auth.logIn({ email, password: 'long enough secret' }),
    )
    expect(result.current.user).toBe(user)
    await act(() => result.current.auth.logOut())
    expect(result.current.user).toBeNull()
    await waitFor(() => expect(result.current.auth.operation).toBe('logOut'))
  })

  it('resets a password through the reset function, at once or with its pending token', async () => {
    const app = createTestApp(server.url)
    const email = 'sam@example.com'
    await app.emailPasswordAuth.registerUser({ email, password: 'first password' })
    await app.emailPasswordAuth.confirmUser(tokenFromMail(server, email))
    const { result } = renderAuth(app)

    await act(() =>
      result.current.auth.callResetPasswordFunction(
        { email, password: 'second password' },
        'success',
      ),
    )
    await act(() => result.current.auth.logIn({ email, password: 'second password' }))
    await act(() => result.current.auth.logOut())

    await act(() =>
      result.current.auth.callResetPasswordFunction(
        { email, password: 'not the one that counts' },
        'pending',
      ),
    )
    const reader = await anonymousUserWith(createTestApp(server.url))
    const pending = await reader.callFunction<{ token: string; tokenId: string }>(
      'peekResetToken',
      email,
    )
    await act(() => result.current.auth.resetPassword({ ...pending, password: 'third password' }))
    const user = await act(() => result.current.auth.logIn({ email, password: 'third password' }))
    expect(result.current.user).toBe(user)
  })

  it('puts a flow the app does not offer in the error state, with the reason', async () => {
    const { result } = renderAuth()
    // This app resets passwords through a function, so reset emails are not available.
    const failure = await act(() =>
      result.current.auth
        .sendResetPasswordEmail({ email: 'sam@example.com' })
        .catch((error: unknown) => error),
    )
    expect(isApiError(failure)).toBe(true)
    await waitFor(() => expect(result.current.auth.status).toBe('error'))
    expect(result.current.auth.operation).toBe('sendResetPasswordEmail')
    expect(result.current.auth.error).toBe(failure)

    const retry = await act(() =>
      result.current.auth
        .retryCustomConfirmation({ email: 'lin@example.com' })
        .catch((error: unknown) => error),
    )
    expect(isApiError(retry)).toBe(true)
    await waitFor(() => expect(result.current.auth.operation).toBe('retryCustomConfirmation'))
    expect(result.current.auth.error?.message).toBeTruthy()
  })
})
