import type { CustomData } from '@react-custom-data/client'
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query'
import { customDataQueryKey } from './customDataQueryKey'
import { useApp } from './useApp'

export interface UseWriteCustomDataOptions {
  /** The server function that writes custom data. Default `writeCustomUserData`. */
  readonly functionName?: string
}

/**
 * A mutation that calls the server function writing custom data with a patch, then invalidates
 * the custom-data query so every reader shows the new document.
 */
export const useWriteCustomData = <TPatch extends CustomData = CustomData>(
  options: UseWriteCustomDataOptions = {},
): UseMutationResult<unknown, Error, TPatch> => {
  const app = useApp()
  const queryClient = useQueryClient()
  const functionName = options.functionName ?? 'writeCustomUserData'
  return useMutation<unknown, Error, TPatch>({
    mutationFn: (patch) => {
      const user = app.currentUser
      if (!user) throw new Error('useWriteCustomData: nobody is logged in')
      return user.callFunction(functionName, patch)
    },
    onSuccess: () =>
      queryClient.invalidateQueries({
        queryKey: customDataQueryKey(app.id, app.currentUser?.id ?? null),
      }),
  })
}
