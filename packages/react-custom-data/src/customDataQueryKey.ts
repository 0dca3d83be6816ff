/** The react-query key of a user's custom data: by app and user, so users never share a cache entry. */
export const customDataQueryKey = (
  appId: string,
  userId: string | null,
): readonly ['react-custom-data', string, string | null, 'customData'] =>
  ['react-custom-data', appId, userId, 'customData'] as const
