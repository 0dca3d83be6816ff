import { createHash } from 'node:crypto'
import type { Clock } from '../../Clock'
import type { Queryable } from '../../store/Store'

/** A sign-in through a provider's page, between its start and the provider's callback. */
export interface OAuthFlow {
  readonly provider: string
  /** The state the client chose (realm-web: 12 letters); it keys the result in the client's storage. */
  readonly clientState: string
  /** The app's page to send the result to: one of the provider's `redirect_uris`. */
  readonly redirectUri: string
  /** Our callback URL, as sent to the provider (the code exchange must repeat it). */
  readonly callbackUri: string
  readonly codeVerifier: string
  readonly nonce: string
  /** The device id for the session: the one the client sent (`device`), or a new one. */
  readonly deviceId: string
  /** The client asked for refresh-token rotation (docs/protocol.md §17.1). */
  readonly rotating: boolean
  /** For a link: the user the new identity joins, and the session that asked. */
  readonly linkUserId: string | null
  readonly linkSessionId: string | null
}

/** How a flow looked up at the callback turned out. */
export type FlowLookup =
  | { readonly kind: 'ok'; readonly flow: OAuthFlow }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'used' }
  | { readonly kind: 'expired'; readonly flow: OAuthFlow }
  | { readonly kind: 'otherBrowser' }

/** How long a user has to finish signing in at the provider. */
export const FLOW_LIFETIME_MS = 10 * 60 * 1000

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex')

interface FlowRow {
  provider: string
  client_state: string
  redirect_uri: string
  callback_uri: string
  code_verifier: string
  nonce: string
  device_id: string
  rotating: boolean
  link_user_id: string | null
  link_session_id: string | null
  browser_hash: string
  expires_at: Date
  used_at: Date | null
}

const flowOf = (row: FlowRow): OAuthFlow => ({
  provider: row.provider,
  clientState: row.client_state,
  redirectUri: row.redirect_uri,
  callbackUri: row.callback_uri,
  codeVerifier: row.code_verifier,
  nonce: row.nonce,
  deviceId: row.device_id,
  rotating: row.rotating,
  linkUserId: row.link_user_id,
  linkSessionId: row.link_session_id,
})

/**
 * Records a flow under the state sent to the provider (only its hash is kept) and the cookie of
 * the browser that started it. Flows that ended a day ago are deleted on the way.
 */
export const startFlow = async (
  db: Queryable,
  clock: Clock,
  input: { state: string; browser: string; flow: OAuthFlow },
): Promise<void> => {
  const now = clock.now()
  const { flow } = input
  await db.query('DELETE FROM oauth_flows WHERE expires_at < $1', [
    new Date(now - 24 * 60 * 60 * 1000),
  ])
  await db.query(
    `INSERT INTO oauth_flows (id, provider, client_state, redirect_uri, callback_uri, code_verifier,
       nonce, device_id, rotating, link_user_id, link_session_id, browser_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      sha256(input.state),
      flow.provider,
      flow.clientState,
      flow.redirectUri,
      flow.callbackUri,
      flow.codeVerifier,
      flow.nonce,
      flow.deviceId,
      flow.rotating,
      flow.linkUserId,
      flow.linkSessionId,
      sha256(input.browser),
      new Date(now),
      new Date(now + FLOW_LIFETIME_MS),
    ],
  )
}

/**
 * Takes a flow for its callback, once: the same state never completes a second sign-in (a
 * replayed callback URL finds it used). The cookie must be the one of the browser that started
 * it, else the flow stays unused. One statement marks it used, so two racing callbacks cannot
 * both get it.
 */
export const takeFlow = async (
  db: Queryable,
  clock: Clock,
  input: { state: string; browser: string | undefined },
): Promise<FlowLookup> => {
  const id = sha256(input.state)
  const now = new Date(clock.now())
  const [taken] = await db.query<FlowRow>(
    `UPDATE oauth_flows SET used_at = $2
      WHERE id = $1 AND used_at IS NULL AND browser_hash = $3
      RETURNING *`,
    [id, now, sha256(input.browser ?? '')],
  )
  if (taken) {
    return new Date(taken.expires_at).getTime() > now.getTime()
      ? { kind: 'ok', flow: flowOf(taken) }
      : { kind: 'expired', flow: flowOf(taken) }
  }
  const [row] = await db.query<{ used_at: Date | null }>(
    'SELECT used_at FROM oauth_flows WHERE id = $1',
    [id],
  )
  if (!row) return { kind: 'unknown' }
  return row.used_at ? { kind: 'used' } : { kind: 'otherBrowser' }
}
