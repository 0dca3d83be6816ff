import type { TestServer } from '@react-custom-data/server/testing'
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  anonymousUserWith,
  createTestApp,
  expectRenderError,
  providerFor,
  settle,
  startHooksServer,
} from './testUtils'
import { useFunction } from './useFunction'
import { useWriteCustomData } from './useWriteCustomData'

describe('useFunction against the real server', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('calls a server function with typed arguments and resolves with its result', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app)
    const { result } = renderHook(() => useFunction<(...numbers: number[]) => number>('sum'), {
      wrapper: providerFor(app),
    })
    expect(result.current.status).toBe('idle')
    const total = await act(() => result.current.call(2, 3, 4))
    expect(total).toBe(9)
    await waitFor(() => expect(result.current.data).toBe(9))
    expect(result.current.variables).toEqual([2, 3, 4])
    expect(await act(() => result.current.mutateAsync([1, 1]))).toBe(2)
  })

  it('puts a failing function in the error state with the server’s message, and rejects', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app)
    const { result } = renderHook(() => useFunction<(reason: string) => never>('fail'), {
      wrapper: providerFor(app),
    })
    let failure: unknown
    await act(async () => {
      failure = await result.current.call('because').catch((error: unknown) => error)
    })
    expect(String(failure)).toContain('failed on purpose: because')
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toBe(failure)
    act(() => result.current.reset())
    await waitFor(() => expect(result.current.status).toBe('idle'))
  })

  it('G2: a private function answers like a missing one', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app)
    const { result } = renderHook(() => useFunction('authenticate'), {
      wrapper: providerFor(app),
    })
    await act(() => result.current.call({ username: 'x' }).catch(() => undefined))
    await waitFor(() =>
      expect(result.current.error).toMatchObject({ errorCode: 'FunctionNotFound' }),
    )
  })

  it('never shows one user’s result or write to the next user (switch, logout)', async () => {
    const app = createTestApp(server.url)
    const first = await anonymousUserWith(app)
    const second = await anonymousUserWith(app)
    app.switchUser(first)
    const { result } = renderHook(
      () => ({
        sum: useFunction<(...numbers: number[]) => number>('sum'),
        write: useWriteCustomData<{ favoriteFood?: string }>(),
      }),
      { wrapper: providerFor(app) },
    )
    await act(() => result.current.sum.call(20, 22))
    await act(() => result.current.write.write({ favoriteFood: 'pizza' }))
    await waitFor(() => expect(result.current.write.data?.favoriteFood).toBe('pizza'))
    expect(result.current.sum.data).toBe(42)

    act(() => {
      app.switchUser(second)
    })
    await settle()
    expect(result.current.sum).toMatchObject({ status: 'idle', data: undefined })
    expect(result.current.write).toMatchObject({ status: 'idle', data: undefined })

    // The same after a logout.
    await act(() => result.current.sum.call(1, 2))
    await act(() => result.current.write.write({ favoriteFood: 'sushi' }))
    expect(result.current.sum.data).toBe(3)
    await act(() => second.logOut())
    await settle()
    expect(result.current.sum).toMatchObject({ status: 'idle', data: undefined, error: null })
    expect(result.current.write).toMatchObject({ status: 'idle', data: undefined })
  })

  it('with nobody logged in fails with a clear error', async () => {
    const app = createTestApp(server.url)
    const { result } = renderHook(() => useFunction('sum'), { wrapper: providerFor(app) })
    await act(() => result.current.call(1).catch(() => undefined))
    await waitFor(() => expect(result.current.error?.message).toMatch(/needs a logged-in user/))
  })

  it('refuses a missing function name when rendered', () => {
    const app = createTestApp(server.url)
    expectRenderError(
      () => renderHook(() => useFunction(''), { wrapper: providerFor(app) }),
      'useFunction(name) needs the name of a server function',
    )
  })
})
