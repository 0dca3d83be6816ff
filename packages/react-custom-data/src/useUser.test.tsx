import type { TestServer } from '@react-custom-data/server/testing'
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useApp } from './useApp'
import {
  anonymousUserWith,
  createTestApp,
  providerFor,
  settle,
  startHooksServer,
  writeElsewhere,
} from './testUtils'
import { useUser } from './useUser'

describe('useUser against the real server', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('is null, then the app’s own User on login, the other on switch, and follows logout', async () => {
    const app = createTestApp(server.url)
    const { result } = renderHook(() => ({ user: useUser(), app: useApp() }), {
      wrapper: providerFor(app),
    })
    expect(result.current.app).toBe(app)
    expect(result.current.user).toBeNull()

    const first = await act(() => anonymousUserWith(app))
    expect(result.current.user).toBe(first)
    expect(result.current.user).toBe(app.currentUser)
    const second = await act(() => anonymousUserWith(app))
    expect(result.current.user).toBe(second)

    act(() => {
      app.switchUser(first)
    })
    expect(result.current.user).toBe(first)
    await act(() => first.logOut())
    expect(result.current.user).toBe(second)
    await act(() => second.logOut())
    expect(result.current.user).toBeNull()
  })

  it('re-renders when what a User shows changes: migrated code reading user.customData stays fresh', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(() => useUser()?.customData.favoriteFood, {
      wrapper: providerFor(app),
    })
    expect(result.current).toBe('pizza')
    await writeElsewhere(server, user, { favoriteFood: 'sushi' })
    await act(() => user.refreshCustomData())
    await settle()
    await waitFor(() => expect(result.current).toBe('sushi'))
  })
})
