import { createMemoryStorage } from '@react-custom-data/client'
import type { TestServer } from '@react-custom-data/server/testing'
import { act, waitFor } from '@testing-library/react'
import { hydrateRoot } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AppProvider } from './AppProvider'
import { anonymousUserWith, createTestApp, startHooksServer } from './testUtils'
import { useCustomData } from './useCustomData'
import { useUser } from './useUser'

function Profile() {
  const user = useUser()
  const { data } = useCustomData<{ favoriteFood?: string }>()
  return <p>{user ? `food: ${data?.favoriteFood ?? 'none'}` : 'signed out'}</p>
}

describe('hydrating server-rendered HTML', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('a page rendered signed out on the server hydrates without a mismatch, then shows the stored session', async () => {
    // The browser holds a session from an earlier visit; the server never sees it.
    const storage = createMemoryStorage()
    await anonymousUserWith(createTestApp(server.url, { storage }), { favoriteFood: 'pizza' })
    const html = renderToString(
      <AppProvider app={createTestApp(server.url)}>
        <Profile />
      </AppProvider>,
    )
    expect(html).toBe('<p>signed out</p>')

    const container = document.createElement('div')
    container.innerHTML = html
    document.body.append(container)
    const recoverable = vi.fn()
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const root = await act(() =>
      hydrateRoot(
        container,
        <AppProvider app={createTestApp(server.url, { storage })}>
          <Profile />
        </AppProvider>,
        { onRecoverableError: recoverable },
      ),
    )
    await waitFor(() => expect(container.textContent).toBe('food: pizza'))
    expect(recoverable).not.toHaveBeenCalled()
    expect(consoleError).not.toHaveBeenCalled()
    act(() => root.unmount())
    container.remove()
  })
})
