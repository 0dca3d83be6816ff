/** What the redirect flow sends the app's page, in the URL hash (docs/protocol.md §3.6). */
export interface RedirectResult {
  readonly appId: string
  /** The client's state, echoed: it keys the result in the client's storage. */
  readonly clientState: string
  /** `accessToken$refreshToken$userId$deviceId` (the refresh token empty for a link). */
  readonly userAuth?: string
  /** Set for a link. */
  readonly link?: boolean
  readonly error?: string
}

/**
 * The app's redirect page with the result in its hash as realm-web reads it: `_baas_client_app_id`,
 * `_baas_state`, `_baas_ua`, `_baas_link`, `_baas_error`, each value URI-encoded (realm-web splits
 * the hash on `&` and `=` before decoding).
 */
export const redirectResultUrl = (redirectUri: string, result: RedirectResult): string => {
  const fields: [string, string | undefined][] = [
    ['_baas_client_app_id', result.appId],
    ['_baas_state', result.clientState],
    ['_baas_ua', result.userAuth],
    ['_baas_link', result.link ? 'ok' : undefined],
    ['_baas_error', result.error],
  ]
  const hash = fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&')
  return `${redirectUri.split('#')[0]}#${hash}`
}
