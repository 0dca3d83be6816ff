import { Credentials, type App, type RedirectPayload, type User } from '@react-custom-data/client'
import { notLoggedIn } from './customDataQueryOptions'
import {
  logInOnce,
  useAuthOperations,
  type Operations,
  type OperationState,
} from './useAuthOperations'

/** The operations `useAuth()` runs, as its `operation` field names them. */
export type AuthOperation =
  | 'logIn'
  | 'logInWithAnonymous'
  | 'logInWithEmailPassword'
  | 'logInWithApiKey'
  | 'logInWithJWT'
  | 'logInWithFunction'
  | 'logInWithGoogle'
  | 'logInWithApple'
  | 'logInWithFacebook'
  | 'logInWithOidc'
  | 'linkCredentials'
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
  /**
   * Logs in with Google: `{ idToken }`, `{ authCode }`, or `{ redirectUrl }` (the redirect flow,
   * which needs `<AppProvider redirect={popupRedirect}>`).
   */
  readonly logInWithGoogle: (
    payload: { idToken: string } | { authCode: string } | RedirectPayload,
  ) => Promise<User>
  /** Logs in with Apple: its ID token, or a redirect URL (the redirect flow). */
  readonly logInWithApple: (idTokenOrRedirectUrl: string) => Promise<User>
  /** Logs in with Facebook: a user access token, or a redirect URL (the redirect flow). */
  readonly logInWithFacebook: (accessTokenOrRedirectUrl: string) => Promise<User>
  /** Logs in with the server's OpenID Connect provider of that name (`oauth2-oidc`). */
  readonly logInWithOidc: (
    providerName: string,
    payload: { idToken: string } | RedirectPayload,
  ) => Promise<User>
  /**
   * Adds the identity of other credentials to the current user (an anonymous user who signs up
   * keeps its id and custom data); resolves with that user. Fails without a logged-in user.
   */
  readonly linkCredentials: (credentials: Credentials) => Promise<User>
}

/** Email/password credentials from what both auth hooks' email logins take. */
export const emailPasswordCredentials = ({
  email,
  password,
}: {
  email: string
  password: string
}): Credentials => Credentials.emailPassword(email, password)

// Every login action: its credentials, from its arguments, logged in with.
const authOperations = (app: App): Operations => {
  const logIn = (credentials: Credentials) => logInOnce(app, credentials)
  return {
    logIn,
    logInWithAnonymous: () => logIn(Credentials.anonymous()),
    logInWithEmailPassword: (details: { email: string; password: string }) =>
      logIn(emailPasswordCredentials(details)),
    logInWithApiKey: (key: string) => logIn(Credentials.apiKey(key)),
    logInWithJWT: (token: string) => logIn(Credentials.jwt(token)),
    logInWithFunction: (payload: Record<string, unknown>) => logIn(Credentials.function(payload)),
    logInWithGoogle: (payload: Parameters<typeof Credentials.google>[0]) =>
      logIn(Credentials.google(payload)),
    logInWithApple: (token: string) => logIn(Credentials.apple(token)),
    logInWithFacebook: (token: string) => logIn(Credentials.facebook(token)),
    logInWithOidc: (name: string, payload: Parameters<typeof Credentials.oidc>[1]) =>
      logIn(Credentials.oidc(name, payload)),
    linkCredentials: async (credentials: Credentials) => {
      const user = app.currentUser
      if (!user) throw notLoggedIn('linkCredentials')
      await user.linkCredentials(credentials)
      return user
    },
  }
}

/**
 * Authentication for every provider, and identity linking. Unlike `@realm/react` (realm-js #6180)
 * each action returns a promise you can await, and the hook tracks the last one:
 * `{ status, error, isPending, reset }`.
 * Identical logins already in flight are joined, so StrictMode's double effects and double clicks
 * never create two users. The actions keep their identity across renders.
 */
export const useAuth = (): UseAuthResult => useAuthOperations<UseAuthResult>('auth', authOperations)
