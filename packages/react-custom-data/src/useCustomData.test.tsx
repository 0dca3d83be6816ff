import { createMemoryStorage, type App, type User } from '@react-custom-data/client'
import { testStores, type TestServer } from '@react-custom-data/server/testing'
import { QueryClient } from '@tanstack/react-query'
import { act, render, renderHook, screen, waitFor } from '@testing-library/react'
import { Component, Suspense, type ReactNode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppProvider } from './AppProvider'
import {
  anonymousUserWith,
  createTestApp,
  holdRequests,
  providerFor,
  requestsSince,
  settle,
  silenceRenderErrors,
  startHooksServer,
  writeElsewhere,
} from './testUtils'
import { useCustomData } from './useCustomData'
import { useSuspenseCustomData } from './useSuspenseCustomData'
import { useUser } from './useUser'

interface Preferences {
  favoriteFood?: string
  theme?: string
  userId?: string
}

describe.each(testStores())('useCustomData against the real server ($kind)', (storeKind) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer({ storeKind })
  })
  afterAll(() => server.close())

  it('with nobody logged in is a defined signed-out state: pending, idle, no data, no throw', async () => {
    const app = createTestApp(server.url)
    const { result } = renderHook(() => ({ ...useCustomData() }), { wrapper: providerFor(app) })
    expect(result.current).toMatchObject({
      status: 'pending',
      fetchStatus: 'idle',
      isLoading: false,
      isRefreshing: false,
      data: undefined,
      error: null,
    })
    await expect(result.current.refresh()).rejects.toThrow('needs a logged-in user')
    // The failed refresh() left the signed-out state as it was.
    expect(result.current.status).toBe('pending')
  })

  it('decodes the data from the access token: no request to show it', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const from = server.requests.length
    const { result } = renderHook(() => ({ ...useCustomData<Preferences>() }), {
      wrapper: providerFor(app),
    })
    expect(result.current.status).toBe('success')
    expect(result.current.data).toEqual({
      favoriteFood: 'pizza',
      userId: user.id,
      _id: expect.anything(),
    })
    await settle()
    expect(requestsSince(server, from)).toEqual([])
  })

  it('refresh() asks the server once, even called by every reader at once, and resolves with the new data', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const wrapper = providerFor(app)
    const first = renderHook(() => ({ ...useCustomData<Preferences>() }), { wrapper })
    const second = renderHook(() => ({ ...useCustomData<Preferences>() }), { wrapper })
    await writeElsewhere(server, user, { favoriteFood: 'sushi' })
    expect(first.result.current.data?.favoriteFood).toBe('pizza')

    const from = server.requests.length
    let refreshed: Preferences[] = []
    await act(async () => {
      refreshed = await Promise.all([
        first.result.current.refresh(),
        second.result.current.refresh(),
        first.result.current.refresh(),
      ])
    })
    expect(refreshed.map((data) => data.favoriteFood)).toEqual(['sushi', 'sushi', 'sushi'])
    expect(requestsSince(server, from)).toEqual(['POST /api/client/v2.0/auth/session'])
    await waitFor(() => expect(second.result.current.data?.favoriteFood).toBe('sushi'))
    expect(first.result.current.data?.favoriteFood).toBe('sushi')
  })

  it('shows isRefreshing while refreshing and moves dataUpdatedAt when the server confirms', async () => {
    let holding = false
    const hold = holdRequests((url) => holding && url.endsWith('/auth/session'))
    const app = createTestApp(server.url, { fetch: hold.fetch })
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    holding = true
    const { result } = renderHook(() => ({ ...useCustomData<Preferences>() }), {
      wrapper: providerFor(app),
    })
    const before = result.current.dataUpdatedAt
    expect(before).toBeGreaterThan(0)
    expect(result.current.isRefreshing).toBe(false)
    let pending: Promise<unknown> = Promise.resolve()
    act(() => {
      pending = result.current.refresh()
    })
    await waitFor(() => expect(result.current.isRefreshing).toBe(true))
    expect(result.current.data?.favoriteFood).toBe('pizza')
    hold.release()
    await act(() => pending)
    await waitFor(() => expect(result.current.isRefreshing).toBe(false))
    expect(result.current.dataUpdatedAt).toBeGreaterThanOrEqual(before)
    expect(result.current.status).toBe('success')
  })

  it('follows every token change from any source: a refresh outside React, a write, another tab', async () => {
    const storage = createMemoryStorage()
    const shared = { ...storage, shared: true }
    const app = createTestApp(server.url, { storage: shared, crossTab: true })
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(() => ({ ...useCustomData<Preferences>() }), {
      wrapper: providerFor(app),
    })

    // Outside React: the client core refreshes the token.
    await writeElsewhere(server, user, { favoriteFood: 'ramen' })
    await act(() => user.refreshCustomData())
    await waitFor(() => expect(result.current.data?.favoriteFood).toBe('ramen'))

    // A write through the client: the server sends the new token back (X-Refreshed-Access-Token).
    const from = server.requests.length
    await act(() => user.callFunction('writeCustomUserData', { favoriteFood: 'tacos' }))
    await waitFor(() => expect(result.current.data?.favoriteFood).toBe('tacos'))
    expect(requestsSince(server, from)).toEqual([
      'POST /api/client/v2.0/app/hooks-test/functions/call',
    ])

    // Another tab: a second App on the same storage refreshes the same session.
    const otherTab = createTestApp(server.url, { storage: shared, crossTab: true })
    const sameUserThere = otherTab.allUsers[user.id]
    expect(sameUserThere).toBeDefined()
    await writeElsewhere(server, user, { favoriteFood: 'curry' })
    await act(() => (sameUserThere as User).refreshCustomData())
    await waitFor(() => expect(result.current.data?.favoriteFood).toBe('curry'))
  })

  it('is keyed by app and user: switching users never renders the previous user’s data', async () => {
    const app = createTestApp(server.url)
    const first = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const second = await anonymousUserWith(app, { favoriteFood: 'sushi' })
    const seen: { current: string | undefined; owner: unknown }[] = []
    renderHook(
      () => {
        const user = useUser()
        const { data } = useCustomData<Preferences>()
        seen.push({ current: user?.id, owner: data?.userId })
        return data
      },
      { wrapper: providerFor(app) },
    )
    for (const next of [first, second, first]) {
      act(() => {
        app.switchUser(next)
      })
      await settle()
    }
    await act(() => second.logOut())
    await settle()
    expect(seen.length).toBeGreaterThan(3)
    const foreign = seen.filter(({ current, owner }) => owner !== undefined && owner !== current)
    expect(foreign).toEqual([])
    expect(seen.at(-1)?.owner).toBe(first.id)
  })

  it('select derives what the component shows, keeping its reference while it is equal', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza', theme: 'dark' })
    const selectTheme = (data: Preferences) => ({ theme: data.theme })
    const { result } = renderHook(
      () => ({
        food: { ...useCustomData({ select: (data: Preferences) => data.favoriteFood }) },
        theme: { ...useCustomData({ select: selectTheme }) },
      }),
      { wrapper: providerFor(app) },
    )
    expect(result.current.food.data).toBe('pizza')
    const theme = result.current.theme.data
    expect(theme).toEqual({ theme: 'dark' })

    await writeElsewhere(server, user, { favoriteFood: 'sushi' })
    const refreshed = await act(() => result.current.food.refresh())
    expect(refreshed).toBe('sushi')
    await waitFor(() => expect(result.current.food.data).toBe('sushi'))
    expect(result.current.theme.data).toBe(theme)
  })

  it('userId reads another logged-in user’s data, and nothing once that user logs out', async () => {
    const app = createTestApp(server.url)
    const first = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    await anonymousUserWith(app, { favoriteFood: 'sushi' })
    const { result } = renderHook(
      () => ({
        current: { ...useCustomData<Preferences>() },
        first: { ...useCustomData<Preferences>({ userId: first.id }) },
      }),
      { wrapper: providerFor(app) },
    )
    expect(result.current.current.data?.favoriteFood).toBe('sushi')
    expect(result.current.first.data?.favoriteFood).toBe('pizza')
    await act(() => first.logOut())
    await waitFor(() => expect(result.current.first.data).toBeUndefined())
    expect(result.current.first.status).toBe('pending')
    expect(result.current.current.data?.favoriteFood).toBe('sushi')
  })

  it('drops a user’s cached data at logout, so it never outlives the session', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const queryClient = new QueryClient()
    const { result } = renderHook(() => ({ ...useCustomData<Preferences>() }), {
      wrapper: providerFor(app, queryClient),
    })
    expect(result.current.data?.favoriteFood).toBe('pizza')
    await act(() => user.logOut())
    await waitFor(() => expect(result.current.data).toBeUndefined())
    expect(queryClient.getQueryData(['react-custom-data', app.id, user.id, 'customData'])).toBe(
      undefined,
    )
  })
})

describe('useCustomData when the server cannot be reached', () => {
  let server: TestServer
  let app: App
  beforeAll(async () => {
    server = await startHooksServer()
    app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
  })

  it('a failed refresh is an error state that keeps the last data, and refresh() rejects', async () => {
    const { result } = renderHook(() => ({ ...useCustomData<Preferences>() }), {
      wrapper: providerFor(app),
    })
    await server.close()
    let failure: unknown
    await act(async () => {
      failure = await result.current.refresh().catch((error: unknown) => error)
    })
    expect(failure).toBeInstanceOf(Error)
    await waitFor(() => expect(result.current.status).toBe('error'))
    expect(result.current.error).toBe(failure)
    expect(result.current.isRefetchError).toBe(true)
    expect(result.current.data?.favoriteFood).toBe('pizza')
  })
})

describe('useCustomData rendered in a component', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('renders the seed’s flow: signed out, then the data of the user who logs in', async () => {
    const app = createTestApp(server.url)
    function Food() {
      const { data, status } = useCustomData<Preferences>()
      return <p>{status === 'success' ? `food: ${data.favoriteFood ?? 'none'}` : 'signed out'}</p>
    }
    render(
      <AppProvider app={app}>
        <Food />
      </AppProvider>,
    )
    expect(screen.getByText('signed out')).toBeDefined()
    await act(() => anonymousUserWith(app, { favoriteFood: 'pizza' }))
    await screen.findByText('food: pizza')
  })

  it('useSuspenseCustomData renders the token’s data at once, and a missing user goes to the error boundary', async () => {
    const app = createTestApp(server.url)
    class Boundary extends Component<{ children?: ReactNode }, { error?: Error }> {
      override state: { error?: Error } = {}
      static getDerivedStateFromError(error: Error) {
        return { error }
      }
      override render() {
        return this.state.error ? <p>boundary: {this.state.error.message}</p> : this.props.children
      }
    }
    function Food() {
      const { data } = useSuspenseCustomData({ select: (p: Preferences) => p.favoriteFood })
      return <p>food: {data}</p>
    }
    const tree = (
      <AppProvider app={app}>
        <Boundary>
          <Suspense fallback={<p>loading</p>}>
            <Food />
          </Suspense>
        </Boundary>
      </AppProvider>
    )
    await anonymousUserWith(app, { favoriteFood: 'sushi' })
    const first = render(tree)
    // Rendered in the first pass: no fallback, no request.
    expect(first.container.textContent).toBe('food: sushi')
    first.unmount()

    await app.currentUser?.logOut()
    const restore = silenceRenderErrors()
    const second = render(tree)
    expect(second.container.textContent).toMatch(
      /^boundary: react-custom-data: useSuspenseCustomData\(\) needs a logged-in user/,
    )
    restore()
  })

  it('data too large for the token is an error state, never silently empty data', async () => {
    // A second server on the same store whose tokens carry at most 512 bytes of custom data:
    // the document written through the first one is over that, so its tokens leave it out.
    const small = await startHooksServer({
      customDataMaxBytes: 512,
      storeKind: {
        kind: 'pglite',
        open: () => Promise.resolve({ ...server.store, close: () => Promise.resolve() }),
      },
    })
    try {
      let target = server.url
      const app = createTestApp(server.url, {
        fetch: (url, init) => fetch(url.replace(server.url, target), init),
      })
      const user = await anonymousUserWith(app, { favoriteFood: 'pizza', notes: 'x'.repeat(1000) })
      const { result } = renderHook(() => ({ ...useCustomData<Preferences>() }), {
        wrapper: providerFor(app),
      })
      expect(result.current.data?.favoriteFood).toBe('pizza')
      target = small.url
      await act(() => user.refreshAccessToken())
      await waitFor(() => expect(result.current.status).toBe('error'))
      expect(result.current.error).toMatchObject({ errorCode: 'CustomDataOmitted' })
      // The last data that was read stays, marked by the error.
      expect(result.current.data?.favoriteFood).toBe('pizza')
    } finally {
      await small.close()
    }
  })
})
