// The React hooks in a page: the demo's "Sign in with ..." buttons, and the link action.
import { Credentials } from '@react-custom-data/client'
import { popupRedirect } from '@react-custom-data/client/redirect'
import type { ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import { AppProvider, useAuth, useUser } from 'react-custom-data'
import { redirectUrl, SocialSignIn } from '../../../apps/demo/src/SocialSignIn'

function Session(): ReactNode {
  const user = useUser()
  const auth = useAuth()
  return (
    <section>
      <output id="user">
        {user
          ? `${user.id} ${user.identities.map((identity) => identity.providerType).join(',')}`
          : 'none'}
      </output>
      <output id="email">{String(user?.profile.email ?? '')}</output>
      <output id="auth">{`${auth.operation ?? ''} ${auth.status}${auth.error ? ` ${auth.error.message}` : ''}`}</output>
      <button id="anonymous" type="button" onClick={() => void auth.logInWithAnonymous()}>
        Continue anonymously
      </button>
      <button
        id="link-google"
        type="button"
        onClick={() =>
          void auth
            .linkCredentials(Credentials.google({ redirectUrl: redirectUrl() }))
            .catch(() => undefined)
        }
      >
        Link Google
      </button>
      {user ? null : <SocialSignIn />}
    </section>
  )
}

const params = new URLSearchParams(location.search)
const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <AppProvider
      id={params.get('app') ?? ''}
      baseUrl={params.get('api') ?? ''}
      redirect={popupRedirect}
    >
      <Session />
    </AppProvider>,
  )
}
