import type { CustomData, User } from '@react-custom-data/client'
import { useStore } from 'zustand'
import { useApp } from './useApp'

/**
 * The current user, or null when nobody is logged in. Re-renders when the current user changes
 * (login, logout, switch); the `User` object for one id is always the same instance.
 */
export const useUser = <
  TCustomData extends CustomData = CustomData,
>(): User<TCustomData> | null => {
  const app = useApp()
  const currentUserId = useStore(app.store, (state) => state.currentUserId)
  return currentUserId
    ? ((app.allUsers[currentUserId] as User<TCustomData> | undefined) ?? null)
    : null
}
