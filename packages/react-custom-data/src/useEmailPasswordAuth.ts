import type { App, User } from '@react-custom-data/client'
import { emailPasswordCredentials } from './useAuth'
import {
  logInOnce,
  useAuthOperations,
  type Operations,
  type OperationState,
} from './useAuthOperations'

/** The operations `useEmailPasswordAuth()` runs, as its `operation` field names them. */
export type EmailPasswordOperation =
  | 'logIn'
  | 'logOut'
  | 'register'
  | 'confirm'
  | 'resendConfirmationEmail'
  | 'retryCustomConfirmation'
  | 'sendResetPasswordEmail'
  | 'resetPassword'
  | 'callResetPasswordFunction'

/** What `useEmailPasswordAuth()` returns: the provider's flows as promises, and their state. */
export interface UseEmailPasswordAuthResult extends OperationState<EmailPasswordOperation> {
  /** Logs in with email and password; resolves with the user, now current. */
  readonly logIn: (details: { email: string; password: string }) => Promise<User>
  /** Registers a new user (who may have to confirm the email before logging in). */
  readonly register: (details: { email: string; password: string }) => Promise<void>
  /** Confirms a user with the `token` and `tokenId` from the confirmation link. */
  readonly confirm: (details: { token: string; tokenId: string }) => Promise<void>
  /** Sends the confirmation email again. */
  readonly resendConfirmationEmail: (details: { email: string }) => Promise<void>
  /** Runs the app's confirmation function again. */
  readonly retryCustomConfirmation: (details: { email: string }) => Promise<void>
  /** Sends a password-reset email. */
  readonly sendResetPasswordEmail: (details: { email: string }) => Promise<void>
  /** Sets a new password with the `token` and `tokenId` from the reset link. */
  readonly resetPassword: (details: {
    token: string
    tokenId: string
    password: string
  }) => Promise<void>
  /** Runs the app's reset function with the new password and any extra arguments. */
  readonly callResetPasswordFunction: (
    details: { email: string; password: string },
    ...args: unknown[]
  ) => Promise<void>
}

/**
 * The email/password provider's flows, named as in `@realm/react`, each returning a promise; the
 * hook tracks the last one: `{ status, error, isPending, operation, reset }`.
 *
 * @example
 * const { register, logIn, error } = useEmailPasswordAuth()
 * await register({ email, password })
 * await logIn({ email, password })
 */
export const useEmailPasswordAuth = (): UseEmailPasswordAuthResult =>
  useAuthOperations<UseEmailPasswordAuthResult>('emailPasswordAuth', emailPasswordOperations)

// Module level, so that the actions keep their identity across renders. Every flow is a method
// of `app.emailPasswordAuth` under realm-web's name (`registerUser`, `confirmUser`, then the same
// names), so the operations are made from its methods (a test checks that all of them are there).
const emailPasswordOperations = (app: App): Operations => {
  const account = app.emailPasswordAuth
  return {
    // The methods are plain functions (no `this`), so they serve as they are.
    ...Object.fromEntries(
      Object.entries(account).map(([method, run]) => [method.replace(/User$/, ''), run]),
    ),
    logIn: (details: { email: string; password: string }) =>
      logInOnce(app, emailPasswordCredentials(details)),
  }
}
