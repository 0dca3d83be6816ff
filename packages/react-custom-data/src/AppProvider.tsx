import { App, type AppConfiguration } from '@react-custom-data/client'
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query'
import { useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { getOrCreate } from './getOrCreate'
import { AppContext } from './useApp'
import { syncTokensToQueries } from './syncTokensToQueries'

const apps = new Map<string, App>()

/**
 * One `App` per app id and base URL in a browser, like realm-web's `App.getApp`: two `App`s for
 * one app keep two sessions that disagree (realm-js #6439), and StrictMode's double render would
 * otherwise build a second one. On the server every call gets a fresh `App`, so no session is
 * shared between requests.
 */
const sharedApp = (configuration: AppConfiguration): App => {
  if (typeof window === 'undefined') return new App(configuration)
  const key = `${configuration.id} ${configuration.baseUrl}`
  return getOrCreate(apps, key, () => new App(configuration))
}

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
 * Holds the app session for the hooks below it. Wrap your app once; give it `id` and `baseUrl`
 * (one `App` per id and URL is shared, like realm-web's `App.getApp`) or an `app` you created.
 * Safe under StrictMode and in server rendering, where it renders signed out.
 *
 * @example
 * <AppProvider id="myapp-abcde" baseUrl="https://data.example.com">
 *   <Profile />
 * </AppProvider>
 */
export function AppProvider(props: AppProviderProps): ReactNode {
  const { app: given, queryClient: givenClient, children, ...configuration } = props
  const { id, baseUrl } = configuration
  const app = useMemo(
    () => given ?? sharedApp(configuration as AppConfiguration),
    // The App is made once per id and URL: other settings (storage, fetch) are read at creation.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [given, id, baseUrl],
  )
  const outer = useContext(QueryClientContext)
  // Made once per provider and used only when no other is given; an unused one holds nothing.
  const [own] = useState(() => new QueryClient())
  const queryClient = givenClient ?? outer ?? own

  useEffect(() => syncTokensToQueries(app, queryClient), [app, queryClient])

  return (
    <QueryClientProvider client={queryClient}>
      <AppContext.Provider value={app}>{children}</AppContext.Provider>
    </QueryClientProvider>
  )
}
