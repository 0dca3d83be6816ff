import type { App, User } from '@react-custom-data/client'
import { useMutation, type UseMutationResult } from '@tanstack/react-query'
import { useEffect } from 'react'
import { useStore } from 'zustand'
import { notLoggedIn } from './customDataQueryOptions'

/**
 * A mutation run as the user who is current when it starts: what `useWriteCustomData` and
 * `useFunction` share. Without a logged-in user it fails with an error that says so. Its state
 * (`data`, `error`, `variables`) belongs to that user: it is reset when another user becomes
 * current or nobody is.
 */
export const useUserMutation = <TResult, TVariables>(
  app: App,
  key: readonly [string, string],
  run: (user: User, variables: TVariables) => Promise<TResult>,
): UseMutationResult<TResult, Error, TVariables> => {
  const mutation = useMutation<TResult, Error, TVariables>({
    mutationKey: ['react-custom-data', ...key],
    mutationFn: async (variables) => {
      const user = app.currentUser
      if (!user) throw notLoggedIn(key[1])
      return run(user, variables)
    },
  })
  const userId = useStore(app.store, (state) => state.currentUserId)
  const { reset } = mutation
  // The cleanup runs when the current user changes: one user's confirmed document, result or
  // error never shows for the next.
  useEffect(() => reset, [userId, reset])
  return mutation
}
