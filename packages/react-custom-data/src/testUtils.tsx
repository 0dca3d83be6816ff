import { App, createMemoryStorage } from '@react-custom-data/client'
import { QueryClient } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { AppProvider } from './AppProvider'

/** A fresh App on memory storage, pointed at a test server. */
export const createTestApp = (baseUrl: string, id = 'preferences-demo'): App =>
  new App({ id, baseUrl, storage: createMemoryStorage() })

/** A wrapper for `renderHook`: the given app in an `<AppProvider>` with its own QueryClient. */
export const providerFor = (
  app: App,
  queryClient: QueryClient = new QueryClient(),
): ((props: { children?: ReactNode }) => ReactNode) =>
  function Wrapper({ children }: { children?: ReactNode }): ReactNode {
    return (
      <AppProvider app={app} queryClient={queryClient}>
        {children}
      </AppProvider>
    )
  }
