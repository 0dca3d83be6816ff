import type { TestServer } from '@react-custom-data/server/testing'
import { QueryClient } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { customDataQueryKey } from './customDataQueryKey'
import { customDataQueryOptions } from './customDataQueryOptions'
import {
  anonymousUserWith,
  createTestApp,
  providerFor,
  requestsSince,
  startHooksServer,
  writeElsewhere,
} from './testUtils'
import { useCustomData } from './useCustomData'

interface Preferences {
  favoriteFood?: string
}

const REFRESH = 'POST /api/client/v2.0/auth/session'

describe('the custom-data query outside the hooks', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('customDataQueryOptions: ensureQueryData serves the token’s data with no request', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const queryClient = new QueryClient()
    const from = server.requests.length
    const data = await queryClient.ensureQueryData(
      customDataQueryOptions<Preferences>(app, user, queryClient),
    )
    expect(data.favoriteFood).toBe('pizza')
    expect(queryClient.getQueryData(customDataQueryKey(app.id, user.id))).toBe(data)
    expect(requestsSince(server, from)).toEqual([])
  })

  it('customDataQueryKey: invalidating it asks the server once and updates the readers', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const queryClient = new QueryClient()
    const { result } = renderHook(() => useCustomData<Preferences>().data, {
      wrapper: providerFor(app, queryClient),
    })
    await writeElsewhere(server, user, { favoriteFood: 'sushi' })
    const from = server.requests.length
    await act(() =>
      queryClient.invalidateQueries({ queryKey: customDataQueryKey(app.id, user.id) }),
    )
    await waitFor(() => expect(result.current?.favoriteFood).toBe('sushi'))
    expect(requestsSince(server, from)).toEqual([REFRESH])
    // The app-wide prefix matches every user's query of the app.
    expect(
      queryClient.getQueryCache().findAll({ queryKey: ['react-custom-data', app.id] }),
    ).toHaveLength(1)
  })

  it('refetchInterval revalidates on a timer: a change made elsewhere shows up by itself', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(() => useCustomData<Preferences>({ refetchInterval: 200 }).data, {
      wrapper: providerFor(app),
    })
    await writeElsewhere(server, user, { favoriteFood: 'curry' })
    await waitFor(() => expect(result.current?.favoriteFood).toBe('curry'), { timeout: 5000 })
  })
})
