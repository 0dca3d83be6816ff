import type { App, User } from '@react-custom-data/client'
import { useMutation, type UseMutationResult } from '@tanstack/react-query'
import { notLoggedIn } from './customDataQueryOptions'

/**
 * A mutation run as the user who is current when it starts: what `useWriteCustomData` and
 * `useFunction` share. Without a logged-in user it fails with an error that says so.
 */
export const useUserMutation = <TResult, TVariables>(
  app: App,
  key: readonly [string, string],
  run: (user: User, variables: TVariables) => Promise<TResult>,
): UseMutationResult<TResult, Error, TVariables> =>
  useMutation<TResult, Error, TVariables>({
    mutationKey: ['react-custom-data', ...key],
    mutationFn: async (variables) => {
      const user = app.currentUser
      if (!user) throw notLoggedIn(key[1])
      return run(user, variables)
    },
  })
