import type { App, Credentials, User } from '@react-custom-data/client'
import { useMutation } from '@tanstack/react-query'
import { useMemo } from 'react'
import { getOrCreate } from './getOrCreate'
import { useApp } from './useApp'

/** The state of the last operation an auth hook started (`useAuth`, `useEmailPasswordAuth`). */
export interface OperationState<TOperation extends string> {
  /** `idle`, `pending`, `success` or `error`: the last operation's state. */
  readonly status: 'idle' | 'pending' | 'success' | 'error'
  readonly isPending: boolean
  /** Why the last operation failed, else null. */
  readonly error: Error | null
  /** The name of the last operation started, e.g. `logInWithEmailPassword`; null when idle. */
  readonly operation: TOperation | null
  /** Clears the state back to idle. */
  readonly reset: () => void
  /** Logs the current user out (the user stays listed, logged out). Resolves when done. */
  readonly logOut: () => Promise<void>
}

/** An auth hook's operations, by name: each returns the promise its action returns. */
export type Operations = Record<string, (...args: never[]) => Promise<unknown>>

interface Operation {
  readonly name: string
  readonly run: () => Promise<unknown>
}

// Logins in flight per app: StrictMode runs effects twice and users double-click, and either
// would otherwise create two anonymous users.
const logins = new WeakMap<App, Map<string, Promise<User>>>()

/** Logs in, joining an identical login already in flight. */
export const logInOnce = (app: App, credentials: Credentials): Promise<User> => {
  const pending = getOrCreate(logins, app, () => new Map<string, Promise<User>>())
  const key = JSON.stringify([credentials.providerName, credentials.reuse, credentials.payload])
  return getOrCreate(pending, key, () => app.logIn(credentials).finally(() => pending.delete(key)))
}

/**
 * An auth hook: one react-query mutation runs its named operations (those `createOperations`
 * makes for the app, plus `logOut`), each action returns its own promise, and the hook shows the
 * state of the last one. `createOperations` lives at module level, so the actions keep their
 * identity across renders and effects can depend on them.
 */
export const useAuthOperations = <TResult extends OperationState<string>>(
  scope: string,
  createOperations: (app: App) => Operations,
): TResult => {
  const app = useApp()
  const mutation = useMutation<unknown, Error, Operation>({
    mutationKey: ['react-custom-data', scope],
    mutationFn: (operation) => operation.run(),
  })
  const { mutateAsync, reset, variables, status, isPending, error } = mutation
  const actions = useMemo(() => {
    const operations: Operations = {
      ...createOperations(app),
      logOut: async () => app.currentUser?.logOut(),
    }
    return Object.fromEntries(
      Object.entries(operations).map(([name, operation]) => [
        name,
        (...args: never[]) => mutateAsync({ name, run: () => operation(...args) }),
      ]),
    )
  }, [app, mutateAsync, createOperations])
  return {
    ...actions,
    status,
    isPending,
    error,
    operation: variables?.name ?? null,
    reset,
  } as TResult
}
