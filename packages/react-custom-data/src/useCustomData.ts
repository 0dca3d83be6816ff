import type { CustomData, User } from '@react-custom-data/client'
import { useQuery, type UseQueryResult } from '@tanstack/react-query'
import { useCallback } from 'react'
import { customDataQueryKey } from './customDataQueryKey'
import { useApp } from './useApp'
import { useUser } from './useUser'

/** What `useCustomData()` returns: react-query's result plus `refresh`. */
export type UseCustomDataResult<TData> = UseQueryResult<TData, Error> & {
  /** Fetches fresh custom data from the server (one token refresh) and resolves with it. */
  refresh: () => Promise<TData | undefined>
  /** True while `refresh()` or an invalidation is fetching. */
  isRefreshing: boolean
}

/**
 * The current user's custom data. It is read from the access token, with no request, and stays
 * cached until the token changes (a refresh, another tab, a write) or `refresh()` is called.
 * With nobody logged in the query is disabled: `status` is `pending` and `data` undefined.
 */
export const useCustomData = <
  TData extends CustomData = CustomData,
>(): UseCustomDataResult<TData> => {
  const app = useApp()
  const user = useUser<TData>()
  const query = useQuery<TData, Error>({
    queryKey: customDataQueryKey(app.id, user?.id ?? null),
    // Fetching means asking the server: a token refresh carries the re-read document.
    queryFn: () => (user as User<TData>).refreshCustomData(),
    initialData: user ? () => user.customData : undefined,
    initialDataUpdatedAt: () => Date.now(),
    staleTime: Infinity,
    enabled: user !== null,
  })
  const { refetch } = query
  const refresh = useCallback(async () => (await refetch({ throwOnError: true })).data, [refetch])
  return Object.assign(query, { refresh, isRefreshing: query.isFetching })
}
