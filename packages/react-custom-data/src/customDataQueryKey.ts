/** The react-query key of one user's custom data. */
export type CustomDataQueryKey = readonly ['react-custom-data', string, string | null, 'customData']

/**
 * The react-query key of a user's custom data: by app and user, so users never share a cache
 * entry. `queryClient.invalidateQueries({ queryKey: customDataQueryKey(app.id, user.id) })`
 * refreshes it; `['react-custom-data', app.id]` matches every user's of that app.
 */
export const customDataQueryKey = (appId: string, userId: string | null): CustomDataQueryKey => [
  'react-custom-data',
  appId,
  userId,
  'customData',
]
