import type { User } from '@react-custom-data/client'
import { useState, type ReactNode } from 'react'
import { useAuth } from 'react-custom-data'
import { ErrorMessage } from './ErrorMessage'
import { PreferencesForm } from './PreferencesForm'
import { PreferencesSummary } from './PreferencesSummary'
import { ThemePicker } from './ThemePicker'
import { TokenDetails } from './TokenDetails'
import { usePreferences } from './preferenceHooks'

const whoIs = (user: User): string => {
  if (user.providerType === 'anon-user') return 'Signed in anonymously'
  return `Signed in as ${user.profile.email ?? user.id}`
}

/** The signed-in page: the custom data, where it came from, and what changes it. */
export function Profile({ user }: { readonly user: User }): ReactNode {
  const { data = {}, error, refresh, isRefreshing } = usePreferences()
  const { logOut, isPending: loggingOut, error: logOutError } = useAuth()
  const [editing, setEditing] = useState(false)

  return (
    <>
      <section className="card" aria-labelledby="profile-title">
        <header className="profile-header">
          <div>
            <h2 id="profile-title">Your preferences</h2>
            <p className="muted" data-testid="who">
              {whoIs(user)}
            </p>
          </div>
          <ThemePicker />
        </header>
        {user.providerType === 'anon-user' && (
          <p className="hint">
            Anonymous preferences are lost when you log out. Log out and sign up to keep yours.
          </p>
        )}
        <PreferencesSummary data={data} />
        <ErrorMessage error={error} action="Could not load your data" />
        {editing ? (
          <PreferencesForm current={data} onDone={() => setEditing(false)} />
        ) : (
          <div className="actions">
            <button type="button" onClick={() => setEditing(true)}>
              Edit preferences
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => void refresh().catch(() => undefined)}
              disabled={isRefreshing}
            >
              {isRefreshing ? 'Refreshing…' : 'Refresh'}
            </button>
            <button
              type="button"
              className="secondary push"
              onClick={() => void logOut().catch(() => undefined)}
              disabled={loggingOut}
            >
              {loggingOut ? 'Logging out…' : 'Log out'}
            </button>
          </div>
        )}
        <ErrorMessage error={logOutError} action="Could not log out" />
      </section>
      <TokenDetails />
    </>
  )
}
