import type { ReactNode } from 'react'
import { formatDateTime } from './formatDateTime'
import { THEMES, browserDefaults, labelOf, languageName, type Preferences } from './preferences'

/** The custom data as the page shows it; what is unset says so, with the default in use. */
export function PreferencesSummary({ data }: { readonly data: Preferences }): ReactNode {
  const defaults = browserDefaults()
  const unset = (fallback?: string) => (
    <em className="muted">{fallback ? `not set (${fallback})` : 'not set yet'}</em>
  )
  return (
    <dl className="summary">
      <dt>Favourite food</dt>
      <dd data-testid="favorite-food">{data.favoriteFood ?? unset()}</dd>
      <dt>Theme</dt>
      <dd data-testid="theme">{labelOf(THEMES, data.theme) ?? unset('System')}</dd>
      <dt>Language</dt>
      <dd data-testid="language">
        {languageName(data.language) ?? unset(languageName(defaults.language))}
      </dd>
      <dt>Time zone</dt>
      <dd data-testid="time-zone">{data.timeZone ?? unset(defaults.timeZone)}</dd>
      <dt>Last updated</dt>
      <dd data-testid="updated-at">
        {data.updatedAt ? formatDateTime(data.updatedAt, data) : <em className="muted">never</em>}
      </dd>
    </dl>
  )
}
