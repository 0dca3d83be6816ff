import { createHash, randomBytes } from 'node:crypto'
import type { TestClient } from './startOidcProvider'

/** Cookies by origin, as a browser would keep them for one user (names and values only). */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>()

  /** The `cookie` header for a URL. */
  header(url: string): string {
    return [...(this.#cookies.get(new URL(url).origin) ?? new Map<string, string>())]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ')
  }

  /** Keeps the cookies an answer sets (a Max-Age of 0 removes one). */
  take(url: string, response: Response): void {
    const origin = new URL(url).origin
    const jar = this.#cookies.get(origin) ?? new Map<string, string>()
    this.#cookies.set(origin, jar)
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const [name = '', value = ''] = pair.split('=')
      if (/max-age=0/i.test(cookie) || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name)
      else jar.set(name, value)
    }
  }

  /** One request with the jar's cookies, redirects not followed. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const cookie = this.header(url)
    if (cookie) headers.set('cookie', cookie)
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    this.take(url, response)
    return response
  }
}

const locationOf = (response: Response, from: string): string => {
  const location = response.headers.get('location')
  if (!location) throw new Error(`expected a redirect from ${from}, got ${response.status}`)
  return new URL(location, from).href
}

/**
 * Signs in at the provider's page as a browser would, over HTTP: from the authorization URL
 * through the sign-in form (typing `email`) to the redirect back to the client. Answers the URL
 * the provider sends the browser to (the client's redirect URI, with `code` and `state`).
 */
export const signInAtProvider = async (
  jar: CookieJar,
  authorizationUrl: string,
  email: string,
): Promise<string> => {
  let url = authorizationUrl
  const origin = new URL(authorizationUrl).origin
  for (let hop = 0; hop < 10; hop++) {
    if (new URL(url).origin !== origin) return url
    if (/\/interaction\/[\w-]+$/.test(new URL(url).pathname)) {
      const page = await jar.fetch(url)
      if (page.status !== 200) throw new Error(`the sign-in page answered ${page.status}`)
      const posted = await jar.fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: email }),
      })
      url = locationOf(posted, url)
      continue
    }
    url = locationOf(await jar.fetch(url), url)
  }
  throw new Error('too many redirects at the provider')
}

/**
 * What an app's page does to get a server auth code (`Credentials.google({ authCode })`): the
 * code flow without PKCE, to `redirectUri`; answers the code, for the server to exchange.
 */
export const obtainAuthCode = async (
  issuer: string,
  { client, redirectUri }: { readonly client: TestClient; readonly redirectUri: string },
  email: string,
): Promise<string> => {
  const authorization = new URL(`${issuer}/auth`)
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state: randomBytes(8).toString('hex'),
  }))
    authorization.searchParams.set(key, value)
  const back = new URL(await signInAtProvider(new CookieJar(), authorization.href, email))
  const code = back.searchParams.get('code')
  if (!code) throw new Error(`the provider sent no code: ${back.href}`)
  return code
}

/**
 * What an app's own front end does with Google Sign-In, over HTTP: the code flow with PKCE for
 * `client`, then the ID token from the token endpoint (its `aud` is the client's id).
 */
export const obtainIdToken = async (
  issuer: string,
  client: TestClient,
  email: string,
): Promise<string> => {
  const verifier = randomBytes(32).toString('base64url')
  const redirectUri = client.redirectUris[0] ?? ''
  const authorization = new URL(`${issuer}/auth`)
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    authorization.searchParams.set(key, value)
  const back = new URL(await signInAtProvider(new CookieJar(), authorization.href, email))
  const code = back.searchParams.get('code')
  if (!code) throw new Error(`the provider sent no code: ${back.href}`)
  const answer = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: client.clientId,
      client_secret: client.clientSecret,
      code_verifier: verifier,
    }),
  })
  const { id_token: idToken } = (await answer.json()) as { id_token?: string }
  if (!idToken) throw new Error(`the token endpoint answered ${answer.status} without an ID token`)
  return idToken
}
