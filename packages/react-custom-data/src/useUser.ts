import { serializeEjson, type CustomData, type User } from '@react-custom-data/client'
import { useStore } from 'zustand'
import { readCustomData } from './readCustomData'
import { useApp } from './useApp'

/**
 * The current user, or null when nobody is logged in. The `User` object is the app's own (the
 * same instance as `app.currentUser`). The component re-renders on login, logout and switch, and
 * when what a `User` shows changes: its state, its profile, its `customData`. A token refresh
 * that leaves all of those equal re-renders nobody.
 */
export const useUser = <
  TCustomData extends CustomData = CustomData,
>(): User<TCustomData> | null => {
  const app = useApp()
  // What the current user shows, as one string: equal strings, no re-render. Read from the
  // snapshot React hands over, which is signed out while it hydrates server-rendered HTML.
  const shown = useStore(app.store, ({ currentUserId }) => {
    const user = currentUserId && app.currentUser
    if (!user) return ''
    const data = readCustomData(user)
    return JSON.stringify([
      user.id,
      user.state,
      user.profile,
      data instanceof Error ? data.message : serializeEjson(data),
    ])
  })
  return shown ? (app.currentUser as User<TCustomData>) : null
}
