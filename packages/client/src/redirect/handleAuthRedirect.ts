import { resultKey } from './resultKey'

// realm-web's names for the hash parameters the server sends (docs/protocol.md §3.6).
const FIELDS: Readonly<Record<string, string>> = {
  _baas_client_app_id: 'appId',
  _baas_ua: 'userAuth',
  _baas_link: 'link',
  _baas_error: 'error',
  _baas_state: 'state',
}

/** Where the result goes: `localStorage`, or an equivalent for tests. */
export interface RedirectResultStorage {
  setItem(key: string, value: string): void
}

/**
 * Call this on the page your `redirectUrl` points to, as with realm-web: it reads the result of
 * the sign-in from the URL's hash and hands it to the tab that opened the popup (through
 * `localStorage`), which then closes the popup. It never throws; a hash without a result is
 * reported with `console.warn`.
 *
 * @example
 * // auth-callback.ts, the script of the page at your redirectUrl
 * import { handleAuthRedirect } from '@react-custom-data/client/redirect'
 * handleAuthRedirect()
 */
export const handleAuthRedirect = (
  location: { readonly hash: string } = globalThis.location,
  storage: RedirectResultStorage = globalThis.localStorage,
): void => {
  const result: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(location.hash.slice(1))) {
    const field = FIELDS[key]
    if (field && value) result[field] = value
  }
  try {
    if (!result.state) throw new Error(result.error ?? 'no sign-in result in the URL')
    storage.setItem(resultKey(result.state), JSON.stringify(result))
  } catch (error) {
    console.warn(`react-custom-data: could not handle the OAuth 2.0 redirect (${String(error)})`)
  }
}
