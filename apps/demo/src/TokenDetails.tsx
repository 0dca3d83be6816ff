import { decodeJwtPayload } from '@react-custom-data/client'
import type { ReactNode } from 'react'
import { formatDateTime } from './formatDateTime'
import { useAccessToken } from './useAccessToken'
import { useNow } from './useNow'
import { usePreferences } from './preferenceHooks'

const countdown = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * Where the custom data came from: the access token, decoded in the page with no request. It
 * changes whenever a new token arrives: a login, a refresh, a write, another tab.
 */
export function TokenDetails(): ReactNode {
  const token = useAccessToken()
  const now = useNow()
  // The user's language and time zone format the times.
  const { data: settings = {}, dataUpdatedAt } = usePreferences()
  if (!token) return null
  const { iat, exp, sub } = decodeJwtPayload(token)
  return (
    <section className="card details" aria-labelledby="token-details-title">
      <h2 id="token-details-title">Where this data came from</h2>
      <p className="muted">
        The <code>user_data</code> claim of your access token, decoded in this page: reading it
        costs no request. The server puts your document in every token it issues.
      </p>
      <dl className="summary">
        {/* What `custom-data-server users set-data <user id> ...` needs (README). */}
        <dt>User id</dt>
        <dd data-testid="user-id">
          <code>{sub}</code>
        </dd>
        <dt>Token issued at</dt>
        <dd data-testid="issued-at">{formatDateTime(iat * 1000, settings)}</dd>
        <dt>Expires in</dt>
        <dd data-testid="expires-in">
          {countdown(exp * 1000 - now)} <span className="muted">(refreshed before then)</span>
        </dd>
        <dt>Last refresh</dt>
        <dd data-testid="last-refresh">
          {dataUpdatedAt ? formatDateTime(dataUpdatedAt, settings) : '—'}
        </dd>
      </dl>
    </section>
  )
}
