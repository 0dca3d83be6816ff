import { App, type AppConfiguration } from '@react-custom-data/client'
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query'
import { useContext, useEffect, useState, type ReactNode } from 'react'
import { AppContext } from './AppContext'
import { syncTokensToQueries } from './syncTokensToQueries'

/** Props of `<AppProvider>`: an existing `App`, or what it takes to create one. */
export type AppProviderProps = (
  | ({ readonly app: App } & { readonly [K in keyof AppConfiguration]?: never })
  | ({ readonly app?: never } & AppConfiguration)
) & {
  /**
   * The QueryClient to keep custom data in. Default: the one already provided above, else one
   * of its own.
   */
  readonly queryClient?: QueryClient
  readonly children?: ReactNode
}

/**
 * Holds the app session for the hooks below it. Wrap your app once:
 *
 * @example
 * <AppProvider id="myapp-abcde" baseUrl="https://data.example.com">
 *   <Profile />
 * </AppProvider>
 */
export function AppProvider(props: AppProviderProps): ReactNode {
  const { queryClient: given, children } = props
  const outer = useContext(QueryClientContext)
  // Created once per provider: re-renders and StrictMode's double render reuse the same instances.
  const [app] = useState(() => props.app ?? new App(props as AppConfiguration))
  const [own] = useState(() => ((given ?? outer) ? null : new QueryClient()))
  const queryClient = given ?? outer ?? own
  if (!queryClient) throw new Error('AppProvider: no QueryClient')

  useEffect(() => syncTokensToQueries(app, queryClient), [app, queryClient])

  const tree = <AppContext.Provider value={app}>{children}</AppContext.Provider>
  return queryClient === outer ? (
    tree
  ) : (
    <QueryClientProvider client={queryClient}>{tree}</QueryClientProvider>
  )
}
