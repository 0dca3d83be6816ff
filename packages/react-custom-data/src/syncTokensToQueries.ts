import type { App, SessionState } from '@react-custom-data/client'
import type { QueryClient } from '@tanstack/react-query'
import { customDataQueryKey } from './customDataQueryKey'
import { withPendingPatches } from './pendingPatches'
import { readCustomData } from './readCustomData'

/**
 * Feeds every new access token's custom data into its user's query, whoever changed the token
 * (a refresh, a login, another tab, `X-Refreshed-Access-Token`), and drops the query of a user
 * who logged out or was removed, so their data never outlives the session. Structural sharing
 * keeps the old reference when the data did not change, so readers do not re-render. Returns
 * the unsubscribe function.
 */
export const syncTokensToQueries = (app: App, queryClient: QueryClient): (() => void) => {
  const sync = (state: SessionState, previous: Pick<SessionState, 'users'>): void => {
    for (const id in { ...previous.users, ...state.users }) {
      const record = state.users[id]
      const token = record?.accessToken
      if (token === previous.users[id]?.accessToken && record) continue
      const queryKey = customDataQueryKey(app.id, id)
      const query = queryClient.getQueryCache().find({ queryKey, exact: true })
      const user = app.allUsers[id]
      if (!record?.refreshToken) {
        queryClient.removeQueries({ queryKey, exact: true })
      } else if (token && query && user) {
        // Only users someone reads: a query that was never created needs no data yet.
        const data = readCustomData(user)
        if (data instanceof Error) {
          // Not a fetch to retry: every new token would carry the same problem.
          query.setState({ status: 'error', error: data, fetchStatus: 'idle' })
        } else {
          queryClient.setQueryData(queryKey, withPendingPatches(queryClient, queryKey, data))
        }
      }
    }
  }
  // Catch up with a token that changed between the first render and this subscription.
  sync(app.store.getState(), { users: {} })
  return app.store.subscribe(sync)
}
