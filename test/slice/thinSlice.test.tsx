import { App, createMemoryStorage, Credentials } from '@react-custom-data/client'
import { demoAppDir, startTestServer, type TestServer } from '@react-custom-data/server/testing'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { AppProvider, useAuth, useCustomData, useWriteCustomData } from 'react-custom-data'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Preferences extends Record<string, unknown> {
  favoriteFood?: string
}

/**
 * The foundation's end-to-end slice: the real server on a real port with the demo's app folder
 * (its writeCustomUserData function as App Services wrote it), the client core, and the React
 * hooks rendered by React.
 */
describe('the thin slice: server + client + React hooks', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir })
  })
  afterAll(() => server.close())

  it('anonymous login → empty custom data → write pizza → see pizza → refresh keeps it', async () => {
    const wrapper = ({ children }: { children?: ReactNode }) => (
      <AppProvider id="preferences-demo" baseUrl={server.url} storage={createMemoryStorage()}>
        {children}
      </AppProvider>
    )
    const { result } = renderHook(
      () => ({
        auth: useAuth(),
        custom: useCustomData<Preferences>(),
        write: useWriteCustomData<Preferences>(),
      }),
      { wrapper },
    )

    await act(() => result.current.auth.logInWithAnonymous())
    await waitFor(() => expect(result.current.custom.data).toEqual({}))

    server.requests.length = 0
    await act(() => result.current.write.mutateAsync({ favoriteFood: 'pizza' }))
    await waitFor(() => expect(result.current.custom.data?.favoriteFood).toBe('pizza'))
    // The write is one function call: its answer carries the refreshed token (docs/protocol.md §17.3).
    expect(server.requests).toEqual(['POST /api/client/v2.0/app/preferences-demo/functions/call'])

    await act(async () => {
      await result.current.custom.refresh()
    })
    expect(result.current.custom.data?.favoriteFood).toBe('pizza')
  })

  it('keeps each user’s data apart when a second app logs in', async () => {
    const first = new App({
      id: 'preferences-demo',
      baseUrl: server.url,
      storage: createMemoryStorage(),
    })
    const user = await first.logIn(Credentials.anonymous())
    await user.functions.writeCustomUserData!({ favoriteFood: 'sushi' })
    const other = new App({
      id: 'preferences-demo',
      baseUrl: server.url,
      storage: createMemoryStorage(),
    })
    const second = await other.logIn(Credentials.anonymous())
    expect(await second.refreshCustomData()).toEqual({})
    expect(await user.refreshCustomData()).toMatchObject({ favoriteFood: 'sushi' })
  })
})
