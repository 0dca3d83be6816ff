import type { RequestOptions } from './createTransport'

/**
 * The email/password provider's account flows (docs/protocol.md §4), named as in realm-web:
 * `app.emailPasswordAuth.registerUser({ email, password })`, ... Each resolves when the server
 * accepted the request and rejects with an `ApiError` saying what was wrong.
 */
export interface EmailPasswordAuth {
  /** Registers a new user; depending on the app, the user must confirm the email first. */
  registerUser(details: { email: string; password: string }): Promise<void>
  /** Confirms a user with the `token` and `tokenId` of the confirmation link. */
  confirmUser(details: { token: string; tokenId: string }): Promise<void>
  /** Sends the confirmation email again. */
  resendConfirmationEmail(details: { email: string }): Promise<void>
  /** Runs the app's custom confirmation function again. */
  retryCustomConfirmation(details: { email: string }): Promise<void>
  /** Sends a password-reset email. */
  sendResetPasswordEmail(details: { email: string }): Promise<void>
  /** Sets a new password with the `token` and `tokenId` of the reset link. */
  resetPassword(details: { token: string; tokenId: string; password: string }): Promise<void>
  /** Runs the app's custom reset function with the new password and any extra arguments. */
  callResetPasswordFunction(
    details: { email: string; password: string },
    ...args: unknown[]
  ): Promise<void>
}

// Each flow and its path under `/auth/providers/local-userpass`.
const FLOWS = {
  registerUser: '/register',
  confirmUser: '/confirm',
  resendConfirmationEmail: '/confirm/send',
  retryCustomConfirmation: '/confirm/call',
  sendResetPasswordEmail: '/reset/send',
  resetPassword: '/reset',
  callResetPasswordFunction: '/reset/call',
}

/** Builds `app.emailPasswordAuth` on the app's request function. */
export const createEmailPasswordAuth = (
  send: (options: RequestOptions) => Promise<unknown>,
): EmailPasswordAuth =>
  Object.fromEntries(
    Object.entries(FLOWS).map(([name, path]) => [
      name,
      async (details: object, ...args: unknown[]) => {
        await send({
          method: 'POST',
          path: `/auth/providers/local-userpass${path}`,
          appScoped: true,
          // The custom reset function takes extra arguments (docs/protocol.md §4).
          body: path === '/reset/call' ? { ...details, arguments: args } : details,
        })
      },
    ]),
  ) as unknown as EmailPasswordAuth
