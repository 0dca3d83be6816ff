import type { App } from '@react-custom-data/client'
import { createContext, useContext, type Context } from 'react'

/** Holds the one `App` of the tree; a stable instance, never a changing value. */
export const AppContext: Context<App | null> = createContext<App | null>(null)

/** The `App` of the nearest `<AppProvider>`. Throws when there is none. */
export const useApp = (): App => {
  const app = useContext(AppContext)
  if (!app)
    throw new Error(
      process.env.NODE_ENV !== 'production'
        ? 'react-custom-data: this hook must be used within <AppProvider>; wrap your app in <AppProvider id="your-app-id" baseUrl="https://..."> (or <AppProvider app={app}>)'
        : 'react-custom-data: no <AppProvider>',
    )
  return app
}
