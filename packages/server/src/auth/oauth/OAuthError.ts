/**
 * A login through an OAuth provider that failed for a reason the user or the provider caused: a
 * refused or tampered token, a denied consent, an unreachable provider. The message is safe to
 * show (it never holds a secret or a token); routes turn it into App Services' `AuthError`, or
 * into `_baas_error` at the end of the redirect flow.
 */
export class OAuthError extends Error {
  /** The provider could not be reached or failed itself (the login may work later). */
  readonly unavailable: boolean

  constructor(message: string, options: { unavailable?: boolean } = {}) {
    super(message)
    this.name = 'OAuthError'
    this.unavailable = options.unavailable === true
  }
}
