import { Credentials, type User } from '@react-custom-data/client'
import { useAuthOperations, type AuthTools, type OperationState } from './useAuthOperations'

/** The operations `useAuth()` runs, as its `operation` field names them. */
export type AuthOperation =
  | 'logIn'
  | 'logInWithAnonymous'
  | 'logInWithEmailPassword'
  | 'logInWithApiKey'
  | 'logInWithJWT'
  | 'logInWithFunction'
  | 'logOut'

/** What `useAuth()` returns: actions that each return a promise, and the last one's state. */
export interface UseAuthResult extends OperationState<AuthOperation> {
  /** Logs in with any `Credentials`; resolves with the user, now current. */
  readonly logIn: (credentials: Credentials) => Promise<User>
  /** Logs in anonymously, reusing an anonymous user who is still logged in. */
  readonly logInWithAnonymous: () => Promise<User>
  /** Logs in with the email/password provider. */
  readonly logInWithEmailPassword: (credentials: {
    email: string
    password: string
  }) => Promise<User>
  /** Logs in with a user or server API key. */
  readonly logInWithApiKey: (key: string) => Promise<User>
  /** Logs in with a JWT from your own identity provider (the custom-token provider). */
  readonly logInWithJWT: (token: string) => Promise<User>
  /** Logs in through the app's custom authentication function with this payload. */
  readonly logInWithFunction: (payload: Record<string, unknown>) => Promise<User>
}

type LogIn = Exclude<AuthOperation, 'logOut'>

// The credentials of each login action, from its arguments.
const CREDENTIALS: Record<LogIn, (...args: never[]) => Credentials> = {
  logIn: (credentials: Credentials) => credentials,
  logInWithAnonymous: () => Credentials.anonymous(),
  logInWithEmailPassword: ({ email, password }: { email: string; password: string }) =>
    Credentials.emailPassword(email, password),
  logInWithApiKey: (key: string) => Credentials.apiKey(key),
  logInWithJWT: (token: string) => Credentials.jwt(token),
  logInWithFunction: (payload: Record<string, unknown>) => Credentials.function(payload),
}

const authActions = ({ logIn }: AuthTools<AuthOperation>) =>
  Object.fromEntries(
    Object.entries(CREDENTIALS).map(([name, credentials]) => [
      name,
      (...args: never[]) => logIn(name as LogIn, credentials(...args)),
    ]),
  ) as Omit<UseAuthResult, keyof OperationState<AuthOperation>>

/**
 * Authentication for every provider. Unlike `@realm/react` (realm-js #6180) each action returns
 * a promise you can await, and the hook tracks the last one: `{ status, error, isPending, reset }`.
 * Identical logins already in flight are joined, so StrictMode's double effects and double clicks
 * never create two users. The actions keep their identity across renders.
 */
export const useAuth = (): UseAuthResult => useAuthOperations('auth', authActions)
