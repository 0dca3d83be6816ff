/** The provider types this client knows, as App Services names them (docs/protocol.md §3.2). */
export type ProviderType =
  'anon-user' | 'local-userpass' | 'api-key' | 'custom-token' | 'custom-function'

/**
 * What `app.logIn` sends: a provider and its payload. Build them with the static factories, as
 * with realm-web: `Credentials.anonymous()`, `Credentials.emailPassword(email, password)`, ...
 */
export class Credentials<TPayload extends Record<string, unknown> = Record<string, unknown>> {
  /** The provider's name in the URL; equal to its type, as in realm-web. */
  declare readonly providerName: string
  declare readonly providerType: ProviderType
  declare readonly payload: TPayload
  /** For anonymous credentials: reuse a logged-in anonymous user instead of creating another. */
  declare readonly reuse: boolean

  private constructor(providerType: ProviderType, payload: TPayload, reuse = false) {
    this.providerName = providerType
    this.providerType = providerType
    this.payload = payload
    this.reuse = reuse
  }

  /**
   * An anonymous user. With `reuse` (the default) a still logged-in anonymous user of this app is
   * returned instead of creating a new one; logged-out ones are never reused (docs/protocol.md §3.7).
   */
  static anonymous(reuse = true): Credentials<Record<string, never>> {
    return new Credentials('anon-user', {}, reuse)
  }

  /** An email/password user (the email travels as `username`). */
  static emailPassword(
    email: string,
    password: string,
  ): Credentials<{ username: string; password: string }> {
    return new Credentials('local-userpass', { username: email, password })
  }

  /** A user or server API key. */
  static apiKey(key: string): Credentials<{ key: string }> {
    return new Credentials('api-key', { key })
  }

  /** A JWT from your own identity provider (the custom-token provider). */
  static jwt(token: string): Credentials<{ token: string }> {
    return new Credentials('custom-token', { token })
  }

  /** A payload for the app's custom authentication function. */
  static function<T extends Record<string, unknown>>(payload: T): Credentials<T> {
    return new Credentials('custom-function', payload)
  }
}
