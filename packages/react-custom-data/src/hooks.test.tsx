import { demoAppDir, startTestServer, type TestServer } from '@react-custom-data/server/testing'
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, providerFor } from './testUtils'
import { useAuth } from './useAuth'
import { useCustomData } from './useCustomData'
import { useUser } from './useUser'
import { useWriteCustomData } from './useWriteCustomData'

describe('hooks against the real server', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir })
  })
  afterAll(() => server.close())

  const useAll = () => ({
    auth: useAuth(),
    user: useUser(),
    data: useCustomData(),
    write: useWriteCustomData(),
  })

  it('logs in, reads, writes and refreshes custom data', async () => {
    const app = createTestApp(server.url)
    const { result } = renderHook(useAll, { wrapper: providerFor(app) })
    expect(result.current.user).toBeNull()
    expect(result.current.data.data).toBeUndefined()

    let loggedIn
    await act(async () => {
      loggedIn = await result.current.auth.logInWithAnonymous()
    })
    expect(result.current.user).toBe(loggedIn)
    await waitFor(() => expect(result.current.auth.status).toBe('success'))
    expect(result.current.data.data).toEqual({})

    await act(() => result.current.write.mutateAsync({ favoriteFood: 'pizza' }))
    await waitFor(() => expect(result.current.data.data?.favoriteFood).toBe('pizza'))

    await act(async () => {
      await result.current.data.refresh()
    })
    expect(result.current.data.data).toMatchObject({
      favoriteFood: 'pizza',
      userId: result.current.user?.id,
    })
  })

  it('reports a failed write in the mutation state', async () => {
    const app = createTestApp(server.url)
    const { result } = renderHook(useAll, { wrapper: providerFor(app) })
    await act(() => result.current.auth.logInWithAnonymous())
    const { result: writer } = renderHook(
      () => useWriteCustomData({ functionName: 'noSuchFunction' }),
      {
        wrapper: providerFor(app),
      },
    )
    await act(() => writer.current.mutateAsync({ a: 1 }).catch(() => undefined))
    await waitFor(() =>
      expect(writer.current.error).toMatchObject({ errorCode: 'FunctionNotFound' }),
    )
  })

  it('throws a clear error outside <AppProvider>', () => {
    expect(() => renderHook(() => useCustomData())).toThrow('must be used within <AppProvider>')
  })
})
