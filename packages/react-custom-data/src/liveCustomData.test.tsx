import type { TestServer } from '@react-custom-data/server/testing'
import { act, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  anonymousUserWith,
  createTestApp,
  providerFor,
  renderCounted,
  settle,
  startHooksServer,
  writeElsewhere,
} from './testUtils'
import { useCustomData } from './useCustomData'

interface Preferences {
  favoriteFood?: string
  theme?: string
}

const selectTheme = (data: Preferences) => data.theme

// Live custom data (docs/protocol.md §17.7): a change made elsewhere reaches the readers with no
// code in the app and no request from it.
describe('useCustomData with live custom data against the real server', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('re-renders a reader on a pushed change; a reader whose select is unchanged does not', async () => {
    const app = createTestApp(server.url, { liveCustomData: true })
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza', theme: 'dark' })
    const wrapper = providerFor(app)
    const whole = renderCounted(() => useCustomData<Preferences>().data, wrapper)
    const theme = renderCounted(() => useCustomData({ select: selectTheme }).data, wrapper)
    await waitFor(() => expect(server.server.context.live.size).toBeGreaterThan(0))
    await settle()
    const before = { whole: whole.renders(), theme: theme.renders() }
    const requests = server.requests.length
    // Another device writes: this app sends nothing, and its token was not refreshed.
    await act(() => writeElsewhere(server, user, { favoriteFood: 'sushi' }))
    await waitFor(() => expect(whole.result.current?.favoriteFood).toBe('sushi'), {
      timeout: 10_000,
    })
    await settle()
    expect(whole.renders() - before.whole).toBe(1)
    expect(theme.renders() - before.theme).toBe(0)
    expect(theme.result.current).toBe('dark')
    // The write itself is the one request.
    expect(server.requests.slice(requests)).toEqual([
      'POST /api/client/v2.0/app/hooks-test/functions/call',
    ])
    await act(() => user.logOut())
  })
})
