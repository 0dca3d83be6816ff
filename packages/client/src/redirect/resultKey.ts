/**
 * Where a redirect page leaves the result for the tab that opened the popup: realm-web's own key,
 * so a page running realm-web's `handleAuthRedirect()` completes this client's popup and the other
 * way round.
 */
export const resultKey = (state: string): string => `realm-web:oauth2:state(${state}):result`
