import type { App, Credentials, User } from '@react-custom-data/client'
import { useMutation } from '@tanstack/react-query'
import { useMemo } from 'react'
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

/** What an auth hook's actions are made of: the app, and ways to run named operations. */
export interface AuthTools<TOperation extends string> {
  readonly app: App
  /** Runs one named operation through the hook, so that its state shows. */
  readonly run: <T>(name: TOperation, fn: () => Promise<T>) => Promise<T>
  /** Logs in as a named operation, joining an identical login already in flight. */
  readonly logIn: (name: TOperation, credentials: Credentials) => Promise<User>
}

interface Operation {
  readonly name: string
  readonly run: () => Promise<unknown>
}

// Logins in flight per app: StrictMode runs effects twice and users double-click, and either
// would otherwise create two anonymous users.
const logins = new WeakMap<App, Map<string, Promise<User>>>()

const logInOnce = (app: App, credentials: Credentials): Promise<User> => {
  let pending = logins.get(app)
  if (!pending) logins.set(app, (pending = new Map<string, Promise<User>>()))
  const key = JSON.stringify([credentials.providerName, credentials.reuse, credentials.payload])
  let login = pending.get(key)
  if (!login) {
    login = app.logIn(credentials).finally(() => pending.delete(key))
    pending.set(key, login)
  }
  return login
}

/**
 * An auth hook: one react-query mutation runs its named operations, each action returns its own
 * promise, and the hook shows the state of the last one. `createActions` lives at module level,
 * so the actions keep their identity across renders and effects can depend on them.
 */
export const useAuthOperations = <TOperation extends string, TActions>(
  scope: string,
  createActions: (tools: AuthTools<TOperation | 'logOut'>) => TActions,
): TActions & OperationState<TOperation | 'logOut'> => {
  const app = useApp()
  const mutation = useMutation<unknown, Error, Operation>({
    mutationKey: ['react-custom-data', scope],
    mutationFn: (operation) => operation.run(),
  })
  const { mutateAsync, reset, variables } = mutation
  const actions = useMemo(() => {
    const run = <T>(name: string, fn: () => Promise<T>) =>
      mutateAsync({ name, run: fn }) as Promise<T>
    return {
      ...createActions({
        app,
        run,
        logIn: (name, credentials) => run(name, () => logInOnce(app, credentials)),
      }),
      logOut: () => run('logOut', async () => app.currentUser?.logOut()),
    }
  }, [app, mutateAsync, createActions])
  return {
    ...actions,
    status: mutation.status,
    isPending: mutation.isPending,
    error: mutation.error,
    operation: (variables?.name as TOperation | undefined) ?? null,
    reset,
  }
}
