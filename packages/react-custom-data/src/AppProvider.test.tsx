import { createMemoryStorage } from '@react-custom-data/client'
import type { TestServer } from '@react-custom-data/server/testing'
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query'
import { act, render, renderHook, waitFor } from '@testing-library/react'
import { StrictMode, type ReactNode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppProvider } from './AppProvider'
import { createCustomDataHooks } from './createCustomDataHooks'
import {
  anonymousUserWith,
  createTestApp,
  expectRenderError,
  settle,
  startHooksServer,
  writeElsewhere,
} from './testUtils'
import { useApp } from './useApp'
import { useAuth } from './useAuth'
import { useCustomData } from './useCustomData'
import { useEmailPasswordAuth } from './useEmailPasswordAuth'
import { useFunction } from './useFunction'
import { useSuspenseCustomData } from './useSuspenseCustomData'
import { useUser } from './useUser'
import { useWriteCustomData } from './useWriteCustomData'

describe('<AppProvider>', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('creates the App from id and baseUrl, one per id and URL (as realm-web’s App.getApp)', () => {
    const storage = createMemoryStorage()
    const { result } = renderHook(() => ({ first: useApp(), queryClient: useQueryClient() }), {
      wrapper: ({ children }) => (
        <AppProvider id="hooks-test" baseUrl={server.url} storage={storage}>
          {children}
        </AppProvider>
      ),
    })
    expect(result.current.first).toMatchObject({ id: 'hooks-test', baseUrl: server.url })
    const { result: again } = renderHook(() => useApp(), {
      wrapper: ({ children }) => (
        <AppProvider id="hooks-test" baseUrl={server.url}>
          {children}
        </AppProvider>
      ),
    })
    expect(again.current).toBe(result.current.first)
    const { result: other } = renderHook(() => useApp(), {
      wrapper: ({ children }) => (
        <AppProvider id="another-app" baseUrl={server.url}>
          {children}
        </AppProvider>
      ),
    })
    expect(other.current).not.toBe(result.current.first)
  })

  it('uses the QueryClient above it, else the one it is given, else its own', () => {
    const app = createTestApp(server.url)
    const outer = new QueryClient()
    const given = new QueryClient()
    const clientUnder = (tree: (children: ReactNode) => ReactNode) =>
      renderHook(() => useQueryClient(), { wrapper: ({ children }) => tree(children) }).result
        .current
    expect(
      clientUnder((children) => (
        <QueryClientProvider client={outer}>
          <AppProvider app={app}>{children}</AppProvider>
        </QueryClientProvider>
      )),
    ).toBe(outer)
    expect(
      clientUnder((children) => (
        <QueryClientProvider client={outer}>
          <AppProvider app={app} queryClient={given}>
            {children}
          </AppProvider>
        </QueryClientProvider>
      )),
    ).toBe(given)
    const own = clientUnder((children) => <AppProvider app={app}>{children}</AppProvider>)
    expect(own).toBeInstanceOf(QueryClient)
    expect([outer, given]).not.toContain(own)
  })

  it('under StrictMode keeps one App, leaks no subscription, and still follows token changes', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    // Count subscriptions to the session store made through the provider, and their endings.
    const original = app.store.subscribe
    let active = 0
    app.store.subscribe = (listener) => {
      active += 1
      const unsubscribe = original(listener)
      return () => {
        active -= 1
        unsubscribe()
      }
    }
    const apps = new Set<unknown>()
    const { result, unmount } = renderHook(
      () => {
        apps.add(useApp())
        return useCustomData<{ favoriteFood?: string }>().data?.favoriteFood
      },
      {
        wrapper: ({ children }) => (
          <StrictMode>
            <AppProvider app={app}>{children}</AppProvider>
          </StrictMode>
        ),
      },
    )
    expect(result.current).toBe('pizza')
    await writeElsewhere(server, user, { favoriteFood: 'sushi' })
    await act(() => user.refreshCustomData())
    await waitFor(() => expect(result.current).toBe('sushi'))
    expect(apps.size).toBe(1)
    expect(active).toBeGreaterThan(0)
    unmount()
    await settle()
    expect(active).toBe(0)
    app.store.subscribe = original
  })

  it('refuses to render without an app, saying what to pass', () => {
    expectRenderError(() => render(<AppProvider id="">x</AppProvider>), 'needs an app id')
  })

  it('makes every hook outside it throw an error that names the fix', () => {
    const typed = createCustomDataHooks()
    const hooks: (() => unknown)[] = [
      useApp,
      useUser,
      useAuth,
      useEmailPasswordAuth,
      useCustomData,
      useSuspenseCustomData,
      useWriteCustomData,
      () => useFunction('sum'),
      typed.useCustomData,
      typed.useWriteCustomData,
    ]
    for (const hook of hooks) {
      expectRenderError(
        () => renderHook(hook),
        'this hook must be used within <AppProvider>; wrap your app in <AppProvider id="your-app-id"',
      )
    }
  })
})
