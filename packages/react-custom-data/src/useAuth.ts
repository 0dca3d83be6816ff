import type { Credentials, User } from '@react-custom-data/client'
import { Credentials as CredentialsFactory } from '@react-custom-data/client'
import { useMutation } from '@tanstack/react-query'
import { useCallback } from 'react'
import { useApp } from './useApp'

/** What `useAuth()` returns: promise-returning actions and the state of the last one. */
export interface UseAuthResult {
  /** Logs in with any credentials; resolves with the user. */
  logIn: (credentials: Credentials) => Promise<User>
  /** Logs in anonymously (reusing a logged-in anonymous user). */
  logInWithAnonymous: () => Promise<User>
  /** Logs the current user out. */
  logOut: () => Promise<void>
  /** `idle`, `pending`, `success` or `error`: the last operation's state. */
  status: 'idle' | 'pending' | 'success' | 'error'
  isPending: boolean
  error: Error | null
  /** Clears `status` and `error` back to idle. */
  reset: () => void
}

/** Authentication actions. Each returns a promise, and the hook tracks the last one's state. */
export const useAuth = (): UseAuthResult => {
  const app = useApp()
  const login = useMutation<User, Error, Credentials>({
    mutationFn: (credentials) => app.logIn(credentials),
  })
  const logout = useMutation<void, Error, void>({
    mutationFn: async () => {
      await app.currentUser?.logOut()
    },
  })
  const last = logout.submittedAt > login.submittedAt ? logout : login
  const { mutateAsync: logInAsync, reset: resetLogin } = login
  const { mutateAsync: logOutAsync, reset: resetLogout } = logout
  return {
    logIn: logInAsync,
    logInWithAnonymous: useCallback(() => logInAsync(CredentialsFactory.anonymous()), [logInAsync]),
    logOut: useCallback(() => logOutAsync(), [logOutAsync]),
    status: last.status,
    isPending: last.isPending,
    error: last.error,
    reset: useCallback(() => {
      resetLogin()
      resetLogout()
    }, [resetLogin, resetLogout]),
  }
}
