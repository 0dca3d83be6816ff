import type { CustomData } from '@react-custom-data/client'
import { useSuspenseQuery, type UseSuspenseQueryResult } from '@tanstack/react-query'
import { useCustomDataQuery } from './useCustomDataQuery'
import type { UseCustomDataOptions } from './UseCustomDataOptions'

/** Options of `useSuspenseCustomData()`: those of `useCustomData()` but `throwOnError`. */
export type UseSuspenseCustomDataOptions<TData, TSelected = TData> = Omit<
  UseCustomDataOptions<TData, TSelected>,
  'throwOnError'
>

/** What `useSuspenseCustomData()` returns: `data` is always defined. */
export type UseSuspenseCustomDataResult<TSelected> = UseSuspenseQueryResult<TSelected, Error> & {
  /** Asks the server for the latest document and resolves with it (see `useCustomData`). */
  readonly refresh: () => Promise<TSelected>
  readonly isRefreshing: boolean
}

/**
 * `useCustomData()` for Suspense: `data` is always defined. Data in the token renders at once;
 * a first fetch suspends the component, and errors (bad data, a failed refresh) go to the nearest
 * error boundary. It needs a logged-in user: with nobody logged in it throws to the error
 * boundary (render it below a `useUser()` check).
 */
export const useSuspenseCustomData = <TData extends object = CustomData, TSelected = TData>(
  options: UseSuspenseCustomDataOptions<TData, TSelected> = {},
): UseSuspenseCustomDataResult<TSelected> =>
  useCustomDataQuery(useSuspenseQuery, options, true) as UseSuspenseCustomDataResult<TSelected>
