import { describe, expect, it, vi } from 'vitest'
import { withLock } from './withLock'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('withLock without the Web Locks API (Node)', () => {
  it('H5: runs holders of one lock one at a time, in order', async () => {
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined()
    const events: string[] = []
    const task = (name: string) => async () => {
      events.push(`${name} start`)
      await sleep(20)
      events.push(`${name} end`)
      return name
    }
    const results = await Promise.all([
      withLock('h5', task('a')),
      withLock('h5', task('b')),
      withLock('other', task('c')),
    ])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(events.indexOf('b start')).toBeGreaterThan(events.indexOf('a end'))
    expect(events.indexOf('c start')).toBeLessThan(events.indexOf('a end'))
  })

  it('H5: a failing holder releases the lock; the error reaches only its caller', async () => {
    const failing = withLock('h5-fail', () => Promise.reject(new Error('boom')))
    const next = withLock('h5-fail', () => Promise.resolve('next'))
    await expect(failing).rejects.toThrow('boom')
    await expect(next).resolves.toBe('next')
  })

  it('H4: a holder that hangs blocks the others only until the timeout', async () => {
    void withLock('h4', () => new Promise<never>(() => undefined), 100)
    const started = Date.now()
    await expect(withLock('h4', () => Promise.resolve('taken over'), 100)).resolves.toBe(
      'taken over',
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(95)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('withLock where Web Locks exist without AbortSignal.timeout (Safari 15.4-15.6)', () => {
  it('H5: falls back to the in-process lock instead of failing every refresh', async () => {
    // Node has neither API; the stubs stand for the browser this environment cannot be.
    const request = vi.fn(() =>
      Promise.reject(new TypeError('AbortSignal.timeout is not a function')),
    )
    vi.stubGlobal('navigator', { locks: { request } })
    vi.stubGlobal('AbortSignal', { ...AbortSignal, timeout: undefined })
    try {
      await expect(withLock('safari', () => Promise.resolve('ran'))).resolves.toBe('ran')
      expect(request).not.toHaveBeenCalled()
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
