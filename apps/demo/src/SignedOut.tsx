import { useState, type FormEvent, type ReactNode } from 'react'
import { useAuth, useEmailPasswordAuth } from 'react-custom-data'
import { ErrorMessage } from './ErrorMessage'
import { SocialSignIn } from './SocialSignIn'

type Mode = 'signUp' | 'logIn'

/** The signed-out page: sign up or log in with email and password, or continue anonymously. */
export function SignedOut(): ReactNode {
  const [mode, setMode] = useState<Mode>('signUp')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const account = useEmailPasswordAuth()
  const anonymous = useAuth()
  const busy = account.isPending || anonymous.isPending

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const details = { email: email.trim(), password }
    // The server confirms new accounts at once (autoConfirm), so a sign-up logs straight in.
    const done =
      mode === 'signUp'
        ? account.register(details).then(() => account.logIn(details))
        : account.logIn(details)
    // The hook keeps the error for the page to show: nothing more to do with it here.
    done.catch(() => undefined)
  }
  const switchTo = (next: Mode) => {
    setMode(next)
    account.reset()
  }

  return (
    <section className="card" aria-labelledby="signed-out-title">
      <h2 id="signed-out-title">{mode === 'signUp' ? 'Create your account' : 'Welcome back'}</h2>
      <p className="muted">
        Your theme, language, time zone and favourite food live next to your login, on every device
        and every tab.
      </p>
      <form className="stack" onSubmit={submit}>
        <label>
          Email
          <input
            type="email"
            autoComplete="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete={mode === 'signUp' ? 'new-password' : 'current-password'}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-describedby={mode === 'signUp' ? 'password-hint' : undefined}
            required
          />
        </label>
        {mode === 'signUp' && (
          <p id="password-hint" className="hint">
            At least 8 characters.
          </p>
        )}
        <button type="submit" disabled={busy}>
          {account.isPending
            ? mode === 'signUp'
              ? 'Signing up…'
              : 'Logging in…'
            : mode === 'signUp'
              ? 'Sign up'
              : 'Log in'}
        </button>
        <ErrorMessage
          error={account.error}
          action={account.operation === 'register' ? 'Could not sign up' : 'Could not log in'}
        />
      </form>
      <p className="switch">
        {mode === 'signUp' ? 'Already have an account? ' : 'New here? '}
        <button
          type="button"
          className="link"
          onClick={() => switchTo(mode === 'signUp' ? 'logIn' : 'signUp')}
        >
          {mode === 'signUp' ? 'Log in' : 'Sign up'}
        </button>
      </p>
      <div className="divider">or</div>
      <SocialSignIn />
      <button
        type="button"
        className="secondary wide"
        onClick={() => void anonymous.logInWithAnonymous().catch(() => undefined)}
        disabled={busy}
      >
        {anonymous.isPending ? 'Signing in…' : 'Continue anonymously'}
      </button>
      <p className="hint">An anonymous user&apos;s preferences are gone once they log out.</p>
      <ErrorMessage error={anonymous.error} action="Could not sign in" />
    </section>
  )
}
