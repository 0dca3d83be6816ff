import type { CustomData } from '@react-custom-data/client'
import { useQueryClient, type UseMutationResult } from '@tanstack/react-query'
import { customDataQueryKey } from './customDataQueryKey'
import { addPendingPatch, mergeFields, withPendingPatches, type ApplyPatch } from './pendingPatches'
import { useApp } from './useApp'
import { useUserMutation } from './useUserMutation'

/** Options of `useWriteCustomData()`. */
export interface UseWriteCustomDataOptions<TData = CustomData, TPatch = Partial<TData>> {
  /** The server function that writes the caller's custom data. Default `writeCustomUserData`. */
  readonly functionName?: string
  /**
   * Show the patch in every reader at once, before the server answers; on failure it is taken
   * back (other writes' successes stay). Default false.
   */
  readonly optimistic?: boolean
  /**
   * How an optimistic patch changes the document. Default: its top-level fields replace the
   * document's, as the seed's `writeCustomUserData` (`$set`) does.
   */
  readonly applyPatch?: ApplyPatch<TData, TPatch>
  /**
   * Checks the document the write would produce before anything is sent (throw to refuse it),
   * and the confirmed document before the write resolves with it.
   * `createCustomDataHooks({ schema })` sets it to the schema's validation.
   */
  readonly validate?: (document: unknown) => TData
}

/** What `useWriteCustomData()` returns: a react-query mutation plus `write`. */
export type UseWriteCustomDataResult<TData, TPatch> = UseMutationResult<TData, Error, TPatch> & {
  /** Writes the patch; resolves with the server-confirmed custom data (same as `mutateAsync`). */
  readonly write: (patch: TPatch) => Promise<TData>
}

/**
 * Writes the current user's custom data through a server function (default
 * `writeCustomUserData`, called with the patch) and resolves with the server-confirmed document.
 * Every reader updates: at once from the refreshed token the server sends back, else after one
 * token refresh. With `optimistic: true` readers show the patch before the server answers.
 *
 * @example
 * const { write, isPending, error } = useWriteCustomData<Preferences>()
 * await write({ favoriteFood: 'pizza' })
 */
export const useWriteCustomData = <TData extends object = CustomData, TPatch = Partial<TData>>(
  options: UseWriteCustomDataOptions<TData, TPatch> = {},
): UseWriteCustomDataResult<TData, TPatch> => {
  const app = useApp()
  const queryClient = useQueryClient()
  const functionName = options.functionName ?? 'writeCustomUserData'
  const { optimistic, applyPatch = mergeFields, validate } = options
  const apply = applyPatch as ApplyPatch<unknown, unknown>
  const mutation = useUserMutation(
    app,
    ['writeCustomData', functionName],
    async (user, patch: TPatch) => {
      const queryKey = customDataQueryKey(app.id, user.id)
      // The confirmed document under the optimistic writes still pending (this one included).
      // `customData` throws when the token cannot carry the document (docs/protocol.md §17.4).
      const shown = (): unknown => withPendingPatches(queryClient, queryKey, user.customData)
      validate?.(apply(shown(), patch))
      const settle = optimistic && addPendingPatch(queryClient, queryKey, { patch, apply })
      try {
        if (settle) queryClient.setQueryData(queryKey, shown())
        const tokenBefore = user.accessToken
        await user.callFunction(functionName, patch)
        // A server that sends X-Refreshed-Access-Token (docs/protocol.md §17.3) already gave the
        // client the new document; any other needs one refresh.
        if (user.accessToken === tokenBefore) await user.refreshCustomData()
        const confirmed = user.customData as TData
        return validate ? validate(confirmed) : confirmed
      } finally {
        if (settle) {
          settle()
          queryClient.setQueryData(queryKey, shown())
        }
      }
    },
  )
  return Object.assign(mutation, { write: mutation.mutateAsync })
}
