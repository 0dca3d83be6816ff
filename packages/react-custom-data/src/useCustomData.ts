import type { CustomData } from '@react-custom-data/client'
import { useQuery, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query'
import type { CustomDataQueryKey } from './customDataQueryKey'
import { useCustomDataQuery } from './useCustomDataQuery'

/** Options of `useCustomData()`: `select`, whose data, and react-query's refetch settings. */
export interface UseCustomDataOptions<TData, TSelected = TData> extends Pick<
  UseQueryOptions<TData, Error, TSelected, CustomDataQueryKey>,
  | 'throwOnError'
  | 'notifyOnChangeProps'
  | 'refetchOnWindowFocus'
  | 'refetchOnReconnect'
  | 'refetchInterval'
  | 'staleTime'
  | 'retry'
  | 'retryDelay'
> {
  /**
   * Derives what the component shows; it re-renders only when the derived value changes
   * (structural sharing keeps equal parts, Dates and ObjectIds included). Keep it stable
   * (module level or `useCallback`) so it runs once per new document.
   */
  readonly select?: (data: TData) => TSelected
  /** Read this logged-in user's data instead of the current user's. */
  readonly userId?: string
}

/** What `useCustomData()` returns: react-query's result plus `refresh` and `isRefreshing`. */
export type UseCustomDataResult<TSelected> = UseQueryResult<TSelected, Error> & {
  /**
   * Asks the server for the latest document (one token refresh; concurrent calls share it) and
   * resolves with it; rejects when the refresh fails or nobody is logged in.
   */
  readonly refresh: () => Promise<TSelected>
  /** True while `refresh()` or another refetch is asking the server. */
  readonly isRefreshing: boolean
}

/**
 * The current user's custom data. It is decoded from the access token, with no request, and
 * stays cached until the token changes (a refresh, a write, another tab, a proactive refresh) or
 * `refresh()` is called. With nobody logged in the query is disabled: `status` is `'pending'`,
 * `fetchStatus` `'idle'`, `isLoading` false and `data` undefined; it never throws for that.
 *
 * @example
 * const { data, refresh, isRefreshing } = useCustomData<{ favoriteFood?: string }>()
 */
export const useCustomData = <TData extends object = CustomData, TSelected = TData>(
  options: UseCustomDataOptions<TData, TSelected> = {},
): UseCustomDataResult<TSelected> => useCustomDataQuery(useQuery, options)
