import type { CustomData } from '@react-custom-data/client'
import { useQuery } from '@tanstack/react-query'
import type { UseCustomDataOptions, UseCustomDataResult } from './UseCustomDataOptions'
import { useCustomDataQuery } from './useCustomDataQuery'

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
