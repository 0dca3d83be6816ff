import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadSession, persistSession } from './persistSession'
import { createSessionStore, emptySession, nextSession, type SessionStore } from './sessionStore'
import { createMemoryStorage, type SessionStorage } from './storage'
import {
  fullStorage,
  sharedMemoryStorage,
  sleep,
  uniqueAppId,
  unsignedToken,
  userRecord,
} from './testUtils'

const prefixOf = (appId: string): string => `react-custom-data:app(${appId}):`

/** A "tab": a store loaded from storage and persisted back to it. */
const openTab = (storage: SessionStorage, prefix: string, crossTab = false) => {
  const store = createSessionStore(loadSession(storage, prefix))
  return { store, persistence: persistSession({ store, storage, prefix, crossTab }) }
}

const logIn = (store: SessionStore, id: string): void =>
  store.setState((state) =>
    nextSession({ ...state.users, [id]: userRecord(id) }, [id, ...state.userIds]),
  )

afterEach(() => vi.restoreAllMocks())

describe('persistSession', () => {
  it('stores one key per user and the user list, and a reload restores them', () => {
    const storage = createMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const { store } = openTab(storage, prefix)
    logIn(store, 'a')
    logIn(store, 'b')
    expect(JSON.parse(storage.get(`${prefix}userIds`)!)).toEqual(['b', 'a'])
    expect(JSON.parse(storage.get(`${prefix}user(a)`)!)).toEqual(store.getState().users.a)

    const reloaded = openTab(storage, prefix).store.getState()
    expect(reloaded).toEqual(store.getState())
    expect(reloaded.currentUserId).toBe('b')
  })

  it('removes the key of a removed user', () => {
    const storage = createMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const { store } = openTab(storage, prefix)
    logIn(store, 'a')
    store.setState((state) => nextSession({}, state.userIds))
    expect(storage.get(`${prefix}user(a)`)).toBeNull()
    expect(JSON.parse(storage.get(`${prefix}userIds`)!)).toEqual([])
  })

  it.each([
    ['unparsable JSON', '{"id":'],
    ['a record of another user', JSON.stringify(userRecord('someone-else'))],
    ['a wrong shape', JSON.stringify({ id: 'a', providerType: 1 })],
    [
      'an access token that does not decode',
      JSON.stringify({ ...userRecord('a'), accessToken: 'x.y.z' }),
    ],
    [
      'an access token without exp',
      JSON.stringify({ ...userRecord('a'), accessToken: unsignedToken({ exp: 'soon' }) }),
    ],
  ])('a corrupt entry (%s) resets that user only, with a warning', (_case, corrupt) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const storage = createMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    logIn(openTab(storage, prefix).store, 'b')
    logIn(openTab(storage, prefix).store, 'a')
    storage.set(`${prefix}user(a)`, corrupt)

    const state = openTab(storage, prefix).store.getState()
    expect(state.userIds).toEqual(['b'])
    expect(state.currentUserId).toBe('b')
    expect(storage.get(`${prefix}user(a)`)).toBeNull()
    expect(warn).toHaveBeenCalledOnce()
    expect(warn.mock.calls[0]?.[0]).toMatch(
      `react-custom-data: reset the unreadable "${prefix}user(a)"`,
    )
  })

  it('a corrupt user list resets the list, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const storage = createMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    storage.set(`${prefix}userIds`, '{"not":"a list"}')
    expect(openTab(storage, prefix).store.getState()).toEqual(emptySession)
    expect(warn).toHaveBeenCalledOnce()
  })

  it('a storage that refuses writes (full, blocked) warns and keeps the session in memory', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const { store } = openTab(fullStorage(createMemoryStorage()), prefixOf(uniqueAppId()))
    logIn(store, 'a')
    expect(store.getState().currentUserId).toBe('a')
    expect(warn).toHaveBeenCalled()
  })

  it('sends changes to the other tabs of the app, which merge them without echoing', async () => {
    const storage = sharedMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const a = openTab(storage, prefix, true)
    const b = openTab(storage, prefix, true)
    const set = vi.spyOn(storage, 'set')
    logIn(a.store, 'u1')
    await vi.waitFor(() => expect(b.store.getState().currentUserId).toBe('u1'))
    expect(b.store.getState().users.u1).toEqual(a.store.getState().users.u1)
    // Only tab A wrote (the storage is shared); B did not write the same values again.
    expect(set).toHaveBeenCalledTimes(2)

    b.store.setState((state) => nextSession({}, state.userIds))
    await vi.waitFor(() => expect(a.store.getState().currentUserId).toBeNull())
    expect(a.store.getState().userIds).toEqual([])
  })

  it('two tabs that log in at the same moment both keep both users', async () => {
    const storage = sharedMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const a = openTab(storage, prefix, true)
    const b = openTab(storage, prefix, true)
    // Both change before either hears of the other: their messages cross.
    logIn(a.store, 'x')
    logIn(b.store, 'y')
    await sleep(50)
    for (const tab of [a, b]) expect([...tab.store.getState().userIds].sort()).toEqual(['x', 'y'])
  })

  it('crossing messages: both tabs keep the newer of two copies of a record', async () => {
    const storage = sharedMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const a = openTab(storage, prefix, true)
    const b = openTab(storage, prefix, true)
    const record = userRecord('u')
    a.store.setState(nextSession({ u: { ...record, refreshToken: 'older', updatedAt: 1 } }, ['u']))
    b.store.setState(nextSession({ u: { ...record, refreshToken: 'newer', updatedAt: 2 } }, ['u']))
    await sleep(50)
    expect(a.store.getState().users.u?.refreshToken).toBe('newer')
    expect(b.store.getState().users.u?.refreshToken).toBe('newer')
  })

  it('reload never takes an older copy from storage over the record the tab holds', () => {
    // Chromium hands one tab's storage writes to the others asynchronously: the BroadcastChannel
    // may bring a rotated token before storage shows it. The older copy must not win.
    const storage = sharedMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const b = openTab(storage, prefix)
    const older = { ...userRecord('u1'), refreshToken: 'rotated-out', updatedAt: 1000 }
    const newer = { ...userRecord('u1'), refreshToken: 'current', updatedAt: 2000 }
    b.store.setState(nextSession({ u1: newer }, ['u1']))
    // What another tab's storage view may still show.
    storage.set(`${prefix}user(u1)`, JSON.stringify(older))
    b.persistence.reload('u1')
    expect(b.store.getState().users.u1?.refreshToken).toBe('current')
    // A newer copy in storage is adopted.
    storage.set(
      `${prefix}user(u1)`,
      JSON.stringify({ ...newer, refreshToken: 'next', updatedAt: 3000 }),
    )
    b.persistence.reload('u1')
    expect(b.store.getState().users.u1?.refreshToken).toBe('next')
  })

  it('reload adopts what another tab stored for a user', () => {
    const storage = sharedMemoryStorage()
    const prefix = prefixOf(uniqueAppId())
    const a = openTab(storage, prefix)
    const b = openTab(storage, prefix)
    logIn(a.store, 'u1')
    expect(b.store.getState().users.u1).toBeUndefined()
    b.persistence.reload('u1')
    expect(b.store.getState().users.u1).toEqual(a.store.getState().users.u1)
  })
})
