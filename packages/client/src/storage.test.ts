import { afterEach, describe, expect, it, vi } from 'vitest'
import { createDefaultStorage } from './storage'

/** A localStorage stand-in over `values`, whose writes throw what a full one throws. */
const fullLocalStorage = (values: Map<string, string>) => ({
  getItem: (key: string) => values.get(key) ?? null,
  setItem: () => {
    throw new DOMException('quota exceeded', 'QuotaExceededError')
  },
  removeItem: (key: string) => void values.delete(key),
})

afterEach(() => vi.unstubAllGlobals())

describe('createDefaultStorage', () => {
  it('is memory where there is no localStorage (Node), and not shared', () => {
    const storage = createDefaultStorage()
    storage.set('k', 'v')
    expect(storage.get('k')).toBe('v')
    expect(storage.shared).toBeFalsy()
  })

  it('is memory where localStorage is blocked (reading it throws)', () => {
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError')
      },
    })
    expect(createDefaultStorage().shared).toBeFalsy()
  })

  it('still reads the session a full localStorage holds', () => {
    vi.stubGlobal('localStorage', fullLocalStorage(new Map([['session', 'stored']])))
    const storage = createDefaultStorage()
    expect(storage.shared).toBe(true)
    expect(storage.get('session')).toBe('stored')
    expect(() => storage.set('session', 'new')).toThrow('quota exceeded')
  })
})
