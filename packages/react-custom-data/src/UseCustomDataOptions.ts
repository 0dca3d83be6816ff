import type { UseQueryOptions, UseQueryResult } from '@tanstack/react-query'
import type { CustomDataQueryKey } from './customDataQueryKey'

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
