import type { ReactNode } from 'react'
import { useUser } from 'react-custom-data'
import { Profile } from './Profile'
import { SignedOut } from './SignedOut'
import type { Preferences } from './preferences'
import { usePreferences } from './preferenceHooks'
import { useThemeOnPage } from './useThemeOnPage'

const selectTheme = (data: Preferences) => data.theme

/** The demo's one page: signed out, a way in; signed in, the preferences. The theme applies to it. */
export function PreferencesPage(): ReactNode {
  const user = useUser()
  const { data: theme } = usePreferences({ select: selectTheme })
  useThemeOnPage(user ? theme : undefined)
  return (
    <main>
      <header className="page-header">
        <h1>Preferences</h1>
        <p className="muted">A react-custom-data demo: custom user data that follows the login.</p>
      </header>
      {user ? <Profile user={user} /> : <SignedOut />}
    </main>
  )
}
