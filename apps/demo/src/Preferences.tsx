import { useState, type FormEvent, type ReactNode } from 'react'
import { useAuth, useCustomData, useUser, useWriteCustomData } from 'react-custom-data'

interface PreferencesData extends Record<string, unknown> {
  favoriteFood?: string
}

function SignedOut(): ReactNode {
  const { logInWithAnonymous, isPending, error } = useAuth()
  return (
    <section className="card">
      <h2>Welcome</h2>
      <p>Your preferences live next to your login. Start without an account:</p>
      <button
        type="button"
        onClick={() => void logInWithAnonymous().catch(() => undefined)}
        disabled={isPending}
      >
        {isPending ? 'Signing in…' : 'Continue anonymously'}
      </button>
      {error && (
        <p role="alert" className="error">
          Could not sign in: {error.message}
        </p>
      )}
    </section>
  )
}

function Profile(): ReactNode {
  const user = useUser()
  const { logOut } = useAuth()
  const { data, refresh, isRefreshing, error } = useCustomData<PreferencesData>()
  const write = useWriteCustomData<PreferencesData>()
  const [food, setFood] = useState('')

  const save = (event: FormEvent) => {
    event.preventDefault()
    write.mutate({ favoriteFood: food.trim() }, { onSuccess: () => setFood('') })
  }

  return (
    <section className="card">
      <h2>Your preferences</h2>
      <p className="muted">Signed in as {user?.id}</p>
      <dl>
        <dt>Favourite food</dt>
        <dd data-testid="favorite-food">{data?.favoriteFood ?? <em>not set yet</em>}</dd>
      </dl>
      {error && (
        <p role="alert" className="error">
          Could not load your data: {error.message}
        </p>
      )}
      <form onSubmit={save}>
        <label>
          New favourite food
          <input
            value={food}
            onChange={(event) => setFood(event.target.value)}
            placeholder="pizza"
            required
          />
        </label>
        <button type="submit" disabled={write.isPending || food.trim() === ''}>
          {write.isPending ? 'Saving…' : 'Save'}
        </button>
      </form>
      {write.error && (
        <p role="alert" className="error">
          Could not save: {write.error.message}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() => void refresh().catch(() => undefined)}
          disabled={isRefreshing}
        >
          {isRefreshing ? 'Refreshing…' : 'Refresh'}
        </button>
        <button type="button" onClick={() => void logOut().catch(() => undefined)}>
          Log out
        </button>
      </div>
    </section>
  )
}

/** The demo's page: signed out, a welcome; signed in, the preferences and the form that writes them. */
export function Preferences(): ReactNode {
  const user = useUser()
  return (
    <main>
      <h1>Preferences</h1>
      {user ? <Profile /> : <SignedOut />}
    </main>
  )
}
