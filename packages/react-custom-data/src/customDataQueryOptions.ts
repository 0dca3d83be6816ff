import type { App, CustomData, User } from '@react-custom-data/client'
import type { QueryClient } from '@tanstack/react-query'
import { customDataQueryKey, type CustomDataQueryKey } from './customDataQueryKey'
import { withPendingPatches } from './pendingPatches'
import { shareCustomData } from './shareCustomData'

/** The react-query options of a user's custom-data query; spread them into `useQuery` & co. */
export interface CustomDataQueryOptions<TData> {
  readonly queryKey: CustomDataQueryKey
  readonly queryFn: () => Promise<TData>
  readonly initialData: () => TData | undefined
  readonly staleTime: number
  readonly structuralSharing: (previous: unknown, next: unknown) => unknown
  readonly enabled: boolean
  readonly retry: boolean
}

/** The error of every hook that needs a logged-in user and has none. */
export const notLoggedIn = (what: string): Error =>
  new Error(
    `react-custom-data: ${what} needs a logged-in user` +
      // Production builds keep the short form (`process.env.NODE_ENV` is replaced by bundlers).
      (process.env.NODE_ENV !== 'production'
        ? '; log in first (useAuth), or check useUser() before calling it'
        : ''),
  )

/**
 * The query behind `useCustomData`: keyed by app and user, its data decoded from the user's
 * access token (no request), fresh until the token changes. Fetching it means asking the server:
 * one token refresh, whose new token carries the re-read document. Handed out so that you can
 * prefetch or combine it: `queryClient.ensureQueryData(customDataQueryOptions(app, user, queryClient))`.
 * `user` null means nobody is logged in: the query is disabled.
 */
export const customDataQueryOptions = <TData = CustomData>(
  app: App,
  user: User | null,
  queryClient: QueryClient,
): CustomDataQueryOptions<TData> => {
  const queryKey = customDataQueryKey(app.id, user?.id ?? null)
  const read = (): TData => {
    if (!user) throw notLoggedIn('custom data')
    // Throws when the token cannot carry the document (docs/protocol.md §17.4).
    return withPendingPatches(queryClient, queryKey, user.customData as TData)
  }
  return {
    queryKey,
    queryFn: async () => {
      await user?.refreshCustomData()
      return read()
    },
    initialData: () => {
      try {
        return read()
      } catch {
        // No user, or unreadable data: no initial value; a first fetch reports the error.
        return undefined
      }
    },
    staleTime: Infinity,
    structuralSharing: shareCustomData,
    enabled: !!user,
    // The client core already retries what is worth retrying (a refresh after a 401).
    retry: false,
  }
}
