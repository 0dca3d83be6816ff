/** The provider types this client knows, as App Services names them (docs/protocol.md §3.2). */
export type ProviderType =
  | 'anon-user'
  | 'local-userpass'
  | 'api-key'
  | 'custom-token'
  | 'custom-function'
  | 'oauth2-google'
  | 'oauth2-apple'
  | 'oauth2-facebook'
  | 'oauth2-oidc'

/**
 * Credentials that sign in through the provider's own page (Google, Apple, Facebook, OpenID
 * Connect): `redirectUrl` is your page that calls `handleAuthRedirect()`, listed in the provider's
 * `redirect_uris`. The app needs the `redirect` option: `new App({ redirect: popupRedirect })`.
 */
// A type, not an interface: payloads are records (Credentials<TPayload extends Record<...>>).
export type RedirectPayload = { readonly redirectUrl: string }

// A string with "://" is a redirect URL, anything else a token (realm-web's rule).
const tokenOr = <K extends string>(value: string, key: K) =>
  value.includes('://') ? { redirectUrl: value } : ({ [key]: value } as Record<K, string>)

/**
 * What `app.logIn` sends: a provider and its payload. Build them with the static factories, as
 * with realm-web: `Credentials.anonymous()`, `Credentials.emailPassword(email, password)`, ...
 */
export class Credentials<TPayload extends Record<string, unknown> = Record<string, unknown>> {
  /** The provider's name in the URL; equal to its type, except for `oidc(name, ...)`. */
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

  /**
   * A Google user, as realm-web takes it: `{ idToken }` (from Sign in with Google), `{ authCode }`
   * (a server auth code) or `{ redirectUrl }` (the server's redirect flow, in a popup).
   */
  static google(
    payload: { idToken: string } | { authCode: string } | RedirectPayload,
  ): Credentials<{ id_token: string } | { authCode: string } | RedirectPayload> {
    return new Credentials(
      'oauth2-google',
      'idToken' in payload ? { id_token: payload.idToken } : payload,
    )
  }

  /** An Apple user: the ID token from Sign in with Apple, or a redirect URL (the redirect flow). */
  static apple(idTokenOrRedirectUrl: string): Credentials<{ id_token: string } | RedirectPayload> {
    return new Credentials('oauth2-apple', tokenOr(idTokenOrRedirectUrl, 'id_token'))
  }

  /** A Facebook user: a user access token, or a redirect URL (the redirect flow). */
  static facebook(
    accessTokenOrRedirectUrl: string,
  ): Credentials<{ accessToken: string } | RedirectPayload> {
    return new Credentials('oauth2-facebook', tokenOr(accessTokenOrRedirectUrl, 'accessToken'))
  }

  /**
   * A user of an OpenID Connect or OAuth 2.0 provider the server names `providerName` (this
   * server's `oauth2-oidc` type: Microsoft, GitHub, Auth0, Keycloak...): an ID token the app got
   * from it, or a redirect URL (the redirect flow).
   */
  static oidc(
    providerName: string,
    payload: { idToken: string } | RedirectPayload,
  ): Credentials<{ id_token: string } | RedirectPayload> {
    return Object.assign(
      new Credentials(
        'oauth2-oidc',
        'idToken' in payload ? { id_token: payload.idToken } : payload,
      ),
      { providerName },
    )
  }
}
