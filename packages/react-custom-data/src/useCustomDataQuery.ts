import {
  useQueryClient,
  type UseQueryResult,
  type UseSuspenseQueryResult,
} from '@tanstack/react-query'
import type { App, User } from '@react-custom-data/client'
import { useCallback } from 'react'
import { useStore } from 'zustand'
import { customDataQueryOptions, notLoggedIn } from './customDataQueryOptions'
import { extendResult } from './extendResult'
import { useApp } from './useApp'
import type { UseCustomDataOptions, UseCustomDataResult } from './UseCustomDataOptions'

/** A logged-in user: the one with `userId`, else the current one; null when not logged in. */
const useActiveUser = (app: App, userId?: string): User | null => {
  const id = useStore(app.store, (state) => {
    const wanted = userId ?? state.currentUserId
    return wanted && state.users[wanted]?.refreshToken ? wanted : null
  })
  return id ? (app.allUsers[id] ?? null) : null
}

type QueryHook = (
  options: never,
) => UseQueryResult<unknown, Error> | UseSuspenseQueryResult<unknown, Error | null>

/**
 * `useCustomData` and `useSuspenseCustomData` in one: the custom-data query of the current user
 * (or `userId`'s) through `useQuery` or `useSuspenseQuery`, plus `refresh` and `isRefreshing`.
 */
export const useCustomDataQuery = <TData, TSelected>(
  useQueryHook: QueryHook,
  { userId, ...options }: UseCustomDataOptions<TData, TSelected>,
  suspense?: boolean,
): UseCustomDataResult<TSelected> => {
  const app = useApp()
  const queryClient = useQueryClient()
  const user = useActiveUser(app, userId)
  // Suspense queries cannot be disabled: with nobody logged in, the error boundary says so.
  if (suspense && !user) throw notLoggedIn('useSuspenseCustomData()')
  const base = customDataQueryOptions(app, user, queryClient)
  const query = useQueryHook({ ...base, ...options } as never)
  const { refetch } = query
  // refetch is the observer's own bound method, stable for the component's life, and
  // extendResult only reads `query`: the memoization holds (the compiler cannot see that).
  /* eslint-disable react-hooks/preserve-manual-memoization */
  const refresh = useCallback(async () => {
    if (!user) throw notLoggedIn('refresh()')
    return (await refetch({ throwOnError: true, cancelRefetch: false })).data as TSelected
  }, [refetch, user])
  /* eslint-enable react-hooks/preserve-manual-memoization */
  return extendResult(query as UseQueryResult<TSelected, Error>, {
    refresh,
    get isRefreshing() {
      return query.isFetching
    },
  })
}
