import type { TestServer } from '@react-custom-data/server/testing'
import { act } from '@testing-library/react'
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
import { useUser } from './useUser'
import { useWriteCustomData } from './useWriteCustomData'

interface Preferences {
  favoriteFood?: string
  theme?: string
  visits?: number
}

const selectTheme = (data: Preferences) => data.theme

// Render counts with StrictMode off (it renders twice on purpose); its safety is tested apart.
describe.each([
  { header: true, label: 'with X-Refreshed-Access-Token' },
  { header: false, label: 'without it (one refresh per write)' },
])('render counts against the real server, $label', ({ header }) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer({ refreshedTokenHeader: header })
  })
  afterAll(() => server.close())

  it('a token refresh whose custom data is unchanged re-renders no reader of useCustomData (nor of useUser)', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, {
      favoriteFood: 'pizza',
      since: new Date('2024-01-01T00:00:00Z'),
    })
    const wrapper = providerFor(app)
    const whole = renderCounted(() => useCustomData<Preferences>().data, wrapper)
    const both = renderCounted(() => [useUser(), useCustomData<Preferences>().data], wrapper)
    const selected = renderCounted(() => useCustomData({ select: selectTheme }).data, wrapper)
    const before = [whole.renders(), both.renders(), selected.renders()]
    const token = user.accessToken
    await act(() => user.refreshCustomData())
    await settle()
    expect(user.accessToken).not.toBe(token)
    expect([whole.renders(), both.renders(), selected.renders()]).toEqual(before)
  })

  it('a change outside a component’s select re-renders it 0 times (and a reader of the whole document once)', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app, { favoriteFood: 'pizza', theme: 'dark' })
    const wrapper = providerFor(app)
    const theme = renderCounted(() => useCustomData({ select: selectTheme }).data, wrapper)
    const whole = renderCounted(() => useCustomData<Preferences>().data, wrapper)
    const before = { theme: theme.renders(), whole: whole.renders() }
    await writeElsewhere(server, user, { favoriteFood: 'sushi' })
    await act(() => user.refreshCustomData())
    await settle()
    expect(whole.result.current?.favoriteFood).toBe('sushi')
    expect(theme.result.current).toBe('dark')
    expect(theme.renders() - before.theme).toBe(0)
    expect(whole.renders() - before.whole).toBe(1)
  })

  it('a write re-renders each reader once', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza', visits: 1 })
    const wrapper = providerFor(app)
    const readers = [
      renderCounted(() => useCustomData<Preferences>().data, wrapper),
      renderCounted(() => useCustomData<Preferences>().data?.visits, wrapper),
      renderCounted(() => useUser()?.customData.visits, wrapper),
    ]
    const writer = renderCounted(() => useWriteCustomData<Preferences>(), wrapper)
    const before = readers.map((reader) => reader.renders())
    await act(() => writer.result.current.write({ visits: 2 }))
    await settle()
    expect(readers.map((reader) => reader.result.current)).toEqual([
      expect.objectContaining({ visits: 2 }),
      2,
      2,
    ])
    expect(readers.map((reader, i) => reader.renders() - (before[i] ?? 0))).toEqual([1, 1, 1])
  })

  it('login re-renders each useUser reader once', async () => {
    const app = createTestApp(server.url)
    const wrapper = providerFor(app)
    const readers = [
      renderCounted(() => useUser(), wrapper),
      renderCounted(() => useUser()?.id, wrapper),
    ]
    const before = readers.map((reader) => reader.renders())
    const user = await act(() => anonymousUserWith(app))
    await settle()
    expect(readers[0]?.result.current).toBe(user)
    expect(readers[1]?.result.current).toBe(user.id)
    expect(readers.map((reader, i) => reader.renders() - (before[i] ?? 0))).toEqual([1, 1])
  })
})
