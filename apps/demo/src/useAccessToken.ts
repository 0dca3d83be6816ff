import { useSyncExternalStore } from 'react'
import { useApp } from 'react-custom-data'

/**
 * The current user's access token, re-rendering when it changes. `useUser()` deliberately does
 * not re-render on a token refresh that changes nothing the user shows; this page does want to
 * show every new token, so it subscribes to the app's session store itself.
 */
export const useAccessToken = (): string | null => {
  const app = useApp()
  return useSyncExternalStore(
    app.store.subscribe,
    () => app.currentUser?.accessToken ?? null,
    () => null,
  )
}
