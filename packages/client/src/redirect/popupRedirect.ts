import { apiError } from '../ApiError'
import type { RedirectFlow } from '../App'
import { resultKey } from './resultKey'

/** How often the opener looks for the result and whether the popup was closed (realm-web's 100 ms). */
const POLL_MS = 100

// A state as realm-web makes it (lowercase letters), longer: it only keys the result in storage.
const newState = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(24)), (byte) =>
    String.fromCharCode(97 + (byte % 26)),
  ).join('')

/** Opens `url` in a popup and resolves with the result its redirect page leaves in storage. */
const waitForResult = (url: string, state: string): Promise<Record<string, string>> =>
  new Promise((resolve, reject) => {
    const key = resultKey(state)
    const popup = window.open(url)
    if (!popup) {
      reject(
        apiError('PopupBlocked', 'The sign-in window did not open: allow popups for this site'),
      )
      return
    }
    const timer = setInterval(() => {
      const stored = localStorage.getItem(key)
      if (stored) {
        clearInterval(timer)
        localStorage.removeItem(key)
        try {
          popup.close()
        } catch {
          // A popup we may not close stays open; the sign-in is done either way.
        }
        resolve(JSON.parse(stored) as Record<string, string>)
      } else if (popup.closed) {
        clearInterval(timer)
        reject(apiError('WindowClosed', 'The sign-in window was closed before signing in'))
      }
    }, POLL_MS)
  })

/**
 * The redirect flow of realm-web (docs/protocol.md §3.6), for `new App({ redirect: popupRedirect })`:
 * a login opens the server's login URL in a popup, which goes on to the provider's page and back
 * to your `redirectUrl`; a link first asks the server for the provider's URL with the user's
 * access token (and the browser's cookies), then opens that. The page at `redirectUrl` calls
 * `handleAuthRedirect()`. Rejects with the server's or the provider's message when the sign-in
 * fails, and when the popup is blocked or closed.
 */
export const popupRedirect: RedirectFlow = async ({
  credentials,
  redirectUrl,
  userId,
  device,
  request,
}) => {
  const state = newState()
  const query = new URLSearchParams({ state, redirect: redirectUrl })
  if (userId) {
    query.set('link', 'true')
    query.set('providerRedirectHeader', 'true')
  } else {
    query.set('device', btoa(JSON.stringify({ ...device, refreshTokenRotation: true })))
  }
  const path = `/auth/providers/${encodeURIComponent(credentials.providerName)}/login?${query.toString()}`
  const url = userId
    ? (
        await request<{ location?: string }>({
          method: 'GET',
          path,
          appScoped: true,
          userId,
          credentials: 'include',
        })
      ).location
    : await request<string>({ method: 'GET', path, appScoped: true, urlOnly: true })
  if (!url) throw apiError('InvalidResponse', 'The server answered no sign-in URL')
  const result = await waitForResult(url, state)
  if (result.error) throw apiError('AuthError', result.error)
  const [access_token, refresh_token, user_id, device_id] = (result.userAuth ?? '').split('$')
  return { access_token, refresh_token: refresh_token || undefined, user_id, device_id }
}
