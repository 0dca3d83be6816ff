import type { App } from '@react-custom-data/client'
import { useContext } from 'react'
import { AppContext } from './AppContext'

/** The `App` of the nearest `<AppProvider>`. Throws when there is none. */
export const useApp = (): App => {
  const app = useContext(AppContext)
  if (!app) {
    throw new Error(
      'react-custom-data: this hook must be used within <AppProvider>; wrap your app in <AppProvider id baseUrl>.',
    )
  }
  return app
}
