// @vitest-environment node
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'

describe('server rendering', () => {
  it('imports without a window: nothing touches browser globals at module load', async () => {
    expect(typeof window).toBe('undefined')
    const module = await import('./index')
    expect(typeof module.AppProvider).toBe('function')
    expect(typeof window).toBe('undefined')
  })

  it('renders the provider and the hooks signed out, with a fresh App per render', async () => {
    const { AppProvider, useApp, useAuth, useCustomData, useUser } = await import('./index')
    const apps: unknown[] = []
    function Profile() {
      apps.push(useApp())
      const user = useUser()
      const { status, data } = useCustomData()
      const { status: authStatus } = useAuth()
      return (
        <p>
          {user ? 'signed in' : 'signed out'} / {status} / {data === undefined ? 'no data' : 'data'}{' '}
          / {authStatus}
        </p>
      )
    }
    const page = () =>
      renderToString(
        <AppProvider id="ssr-app" baseUrl="http://127.0.0.1:9">
          <Profile />
        </AppProvider>,
      )
    expect(page().replaceAll('<!-- -->', '')).toBe('<p>signed out / pending / no data / idle</p>')
    page()
    // No App is shared between server renders (it would share sessions between requests).
    expect(apps).toHaveLength(2)
    expect(apps[0]).not.toBe(apps[1])
  })
})
