import { serializeEjson, type CustomData, type User } from '@react-custom-data/client'
import { useStore } from 'zustand'
import { readCustomData } from './readCustomData'
import { useApp } from './useApp'

// What each user record shows, as compared by useUser (records are replaced, never changed).
const shownOf = new WeakMap<object, string>()

/**
 * The current user, or null when nobody is logged in. The `User` object is the app's own (the
 * same instance as `app.currentUser`). The component re-renders on login, logout and switch, and
 * when what a `User` shows changes: its state, its profile, its `customData`. A token refresh
 * that leaves all of those equal re-renders nobody.
 */
export const useUser = <TCustomData extends object = CustomData>(): User<TCustomData> | null => {
  const app = useApp()
  // What the current user shows, as one string: equal strings, no re-render. Read from the
  // snapshot React hands over, which is signed out while it hydrates server-rendered HTML.
  const shown = useStore(app.store, ({ currentUserId, users }) => {
    const user = currentUserId && app.currentUser
    if (!user) return ''
    // The selector runs at every render and store change; the string changes only with the
    // user's record, so it is made once per record.
    const record = users[currentUserId]!
    let text = shownOf.get(record)
    if (text === undefined) {
      const data = readCustomData(user)
      text = JSON.stringify([
        user.id,
        user.state,
        user.profile,
        data instanceof Error ? data.message : serializeEjson(data),
      ])
      shownOf.set(record, text)
    }
    return text
  })
  return shown ? (app.currentUser as User<TCustomData>) : null
}
