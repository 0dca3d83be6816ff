import type { App } from '@react-custom-data/client'
import { useQuery } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { useApp, useAuth } from 'react-custom-data'
import { ErrorMessage } from './ErrorMessage'

/** An enabled provider, as the server lists them (`GET /app/{appId}/auth/providers`). */
interface EnabledProvider {
  readonly name: string
  readonly type: string
  /** Whether it has a redirect flow (its `redirect_uris` are set). */
  readonly redirect?: boolean
}

const LABELS: Readonly<Record<string, string>> = {
  'oauth2-google': 'Google',
  'oauth2-apple': 'Apple',
  'oauth2-facebook': 'Facebook',
}

/** The page the provider's popup comes back to; it calls handleAuthRedirect() (authCallback.ts). */
export const redirectUrl = (): string => new URL('auth-callback.html', window.location.href).href

const fetchProviders = async (app: App): Promise<EnabledProvider[]> => {
  const response = await fetch(`${app.baseUrl}/api/client/v2.0/app/${app.id}/auth/providers`)
  if (!response.ok) throw new Error(`the server lists no providers (status ${response.status})`)
  return (await response.json()) as EnabledProvider[]
}

/**
 * "Sign in with ..." buttons, one per provider the backend's app folder enables with a redirect
 * flow (Google, Apple, Facebook, and OpenID Connect providers by name). Each opens the provider's
 * page in a popup (`<AppProvider redirect={popupRedirect}>` in main.tsx) and signs in when it
 * comes back. None when the app folder enables none, as the demo's does until you configure one.
 */
export function SocialSignIn(): ReactNode {
  const app = useApp()
  const auth = useAuth()
  const { data: providers = [] } = useQuery({
    queryKey: ['demo', 'providers', app.id],
    queryFn: () => fetchProviders(app),
    staleTime: Infinity,
  })
  const social = providers.filter((provider) => provider.redirect)
  if (social.length === 0) return null

  const signIn = (provider: EnabledProvider) => {
    const url = redirectUrl()
    const done =
      provider.type === 'oauth2-google'
        ? auth.logInWithGoogle({ redirectUrl: url })
        : provider.type === 'oauth2-apple'
          ? auth.logInWithApple(url)
          : provider.type === 'oauth2-facebook'
            ? auth.logInWithFacebook(url)
            : auth.logInWithOidc(provider.name, { redirectUrl: url })
    // The hook keeps the error for the page to show.
    done.catch(() => undefined)
  }

  return (
    <div className="stack" aria-label="Sign in with another account">
      {social.map((provider) => (
        <button
          key={provider.name}
          type="button"
          className="secondary wide"
          disabled={auth.isPending}
          onClick={() => signIn(provider)}
        >
          Sign in with {LABELS[provider.type] ?? provider.name}
        </button>
      ))}
      <ErrorMessage error={auth.error} action="Could not sign in" />
    </div>
  )
}
