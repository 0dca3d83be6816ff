import type { UseMutationResult } from '@tanstack/react-query'
import { useCallback } from 'react'
import { useApp } from './useApp'
import { useUserMutation } from './useUserMutation'

/** The shape of a server function, for typing `useFunction`: `(a: number, b: number) => number`. */
export type ServerFunction = (...args: never[]) => unknown

/** What `useFunction()` returns: a react-query mutation whose variables are the arguments. */
export type UseFunctionResult<TFunction extends ServerFunction> = UseMutationResult<
  Awaited<ReturnType<TFunction>>,
  Error,
  Parameters<TFunction>
> & {
  /** Calls the function as the current user; resolves with its decoded result. */
  readonly call: (...args: Parameters<TFunction>) => Promise<Awaited<ReturnType<TFunction>>>
}

/**
 * Any server function as a mutation, typed by its signature.
 *
 * @example
 * const sum = useFunction<(a: number, b: number) => number>('sum')
 * const total = await sum.call(2, 3) // sum.data, sum.isPending, sum.error follow the last call
 */
export const useFunction = <TFunction extends ServerFunction = (...args: unknown[]) => unknown>(
  name: string,
): UseFunctionResult<TFunction> => {
  const app = useApp()
  if (!name) {
    throw new Error(
      process.env.NODE_ENV !== 'production'
        ? 'react-custom-data: useFunction(name) needs the name of a server function, e.g. useFunction("sum")'
        : 'react-custom-data: no function name',
    )
  }
  const mutation = useUserMutation(app, ['function', name], (user, args: Parameters<TFunction>) =>
    user.callFunction<Awaited<ReturnType<TFunction>>>(name, ...(args as unknown[])),
  )
  const { mutateAsync } = mutation
  const call = useCallback((...args: Parameters<TFunction>) => mutateAsync(args), [mutateAsync])
  return Object.assign(mutation, { call })
}
