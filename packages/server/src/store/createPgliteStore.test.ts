import fs from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createPgliteStore } from './createPgliteStore'

/**
 * Counts the process's fsync calls. An operating-system crash cannot be caused from a test, so
 * this watches what decides whether a commit survives one: whether it reached fsync.
 */
const countFsyncs = () => {
  const real = fs.fsyncSync
  let calls = 0
  fs.fsyncSync = (fd: number) => {
    calls += 1
    real(fd)
  }
  syncBuiltinESMExports()
  return {
    get calls() {
      return calls
    },
    restore() {
      fs.fsyncSync = real
      syncBuiltinESMExports()
    },
  }
}

describe('PGlite durability', () => {
  let restore: (() => void) | undefined
  afterEach(() => restore?.())

  const dataDir = async () => join(await mkdtemp(join(tmpdir(), 'durability-')), 'data')

  it('PGlite never calls fsync: with the default durability every commit is synced before it is acknowledged', async () => {
    const store = await createPgliteStore({ dataDir: await dataDir() })
    try {
      await store.exec('CREATE TABLE kept (n int)')
      const fsyncs = countFsyncs()
      restore = () => fsyncs.restore()
      for (let n = 0; n < 20; n++) {
        const before = fsyncs.calls
        await store.transaction((tx) => tx.query('INSERT INTO kept VALUES ($1)', [n]))
        // The commit's WAL reached the disk before the transaction resolved.
        expect(fsyncs.calls).toBeGreaterThan(before)
        const single = fsyncs.calls
        await store.query('INSERT INTO kept VALUES ($1)', [100 + n])
        expect(fsyncs.calls).toBeGreaterThan(single)
      }
      // A checkpoint syncs the data files too, so the WAL before it may be recycled safely.
      const beforeCheckpoint = fsyncs.calls
      await store.exec('CHECKPOINT')
      expect(fsyncs.calls).toBeGreaterThan(beforeCheckpoint)
      expect(await store.query('SHOW fsync')).toEqual([{ fsync: 'on' }])
    } finally {
      await store.close()
    }
  })

  it('relaxed durability is PGlite as it comes (no fsync); a folder opens in either mode and keeps its rows', async () => {
    const dir = await dataDir()
    const relaxed = await createPgliteStore({ dataDir: dir, durability: 'relaxed' })
    await relaxed.exec('CREATE TABLE kept (n int)')
    const fsyncs = countFsyncs()
    restore = () => fsyncs.restore()
    await relaxed.transaction((tx) => tx.query('INSERT INTO kept VALUES (1)'))
    expect(fsyncs.calls).toBe(0)
    await relaxed.close()
    const synced = await createPgliteStore({ dataDir: dir })
    await synced.query('INSERT INTO kept VALUES (2)')
    expect(fsyncs.calls).toBeGreaterThan(0)
    await synced.close()
    const again = await createPgliteStore({ dataDir: dir, durability: 'relaxed' })
    expect(await again.query('SELECT n FROM kept ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }])
    await again.close()
  })
})
