import type { App, SessionState } from '@react-custom-data/client'
import type { QueryClient } from '@tanstack/react-query'
import { customDataQueryKey } from './customDataQueryKey'

/**
 * Feeds every new access token's custom data into its user's query, whoever changed the token
 * (a refresh, a login, another tab). react-query's structural sharing keeps the old reference
 * when the data did not change, so readers do not re-render. Returns the unsubscribe function.
 */
export const syncTokensToQueries = (app: App, queryClient: QueryClient): (() => void) =>
  app.store.subscribe((state: SessionState, previous: SessionState) => {
    for (const [id, record] of Object.entries(state.users)) {
      if (!record.accessToken || record.accessToken === previous.users[id]?.accessToken) continue
      const key = customDataQueryKey(app.id, id)
      // Only users someone reads: a query that was never created needs no data yet.
      if (!queryClient.getQueryCache().find({ queryKey: key, exact: true })) continue
      const user = app.allUsers[id]
      if (user) queryClient.setQueryData(key, user.customData)
    }
  })
