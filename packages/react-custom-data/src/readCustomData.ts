import type { User } from '@react-custom-data/client'

/**
 * The custom data in a user's access token, or the error that stops reading it (a document the
 * server left out of the token for its size, docs/protocol.md §17.4) returned instead of thrown.
 */
export const readCustomData = <TData>(user: User): TData | Error => {
  try {
    return user.customData as TData
  } catch (error) {
    return error as Error
  }
}
