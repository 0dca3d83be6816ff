import { readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'

/** Held while a process has a PGlite data folder open; `release` removes the lock file. */
export interface DataDirLock {
  readonly path: string
  release(): Promise<void>
}

/** A data folder another live process holds. */
export class DataDirLockedError extends Error {
  readonly pid: number
  constructor(dataDir: string, pid: number, path: string) {
    super(
      `data dir ${dataDir} locked by PID ${pid} (lock file ${path}); stop that process first, or use PostgreSQL (DATABASE_URL) to run several servers`,
    )
    this.name = 'DataDirLockedError'
    this.pid = pid
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else; alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const readOwner = async (path: string): Promise<{ pid: number; host: string } | undefined> => {
  try {
    const [pid, host = ''] = (await readFile(path, 'utf8')).trim().split('\n')
    const parsed = Number(pid)
    return Number.isInteger(parsed) && parsed > 0 ? { pid: parsed, host } : { pid: 0, host }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Takes `<dataDir>.lock` (next to the folder, never inside PostgreSQL's files) with O_EXCL, so a
 * second process on the same folder fails fast instead of corrupting it (PGlite has no lock of its
 * own: pglite #1106). A lock left by a dead process on this host is taken over; a live one never
 * is (docs/reliability.md F4, F5).
 */
export const lockDataDir = async (dataDir: string): Promise<DataDirLock> => {
  const path = `${dataDir}.lock`
  const content = `${process.pid}\n${hostname()}\n`
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(path, content, { flag: 'wx' })
      return {
        path,
        async release() {
          const owner = await readOwner(path).catch(() => undefined)
          if (owner?.pid === process.pid) await unlink(path).catch(() => {})
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = await readOwner(path)
    if (!owner) continue // released between our attempt and the read: try again
    const foreignHost = owner.host !== '' && owner.host !== hostname()
    if (owner.pid === process.pid || foreignHost || isAlive(owner.pid)) {
      throw new DataDirLockedError(dataDir, owner.pid, path)
    }
    // Stale: move it aside atomically. Of two processes racing for the same stale lock only one
    // rename succeeds; the other finds the winner's live lock on its next attempt.
    const aside = `${path}.stale-${process.pid}`
    const moved = await rename(path, aside).then(
      () => true,
      () => false,
    )
    if (!moved) continue
    const movedOwner = await readOwner(aside)
    if (movedOwner && movedOwner.pid !== owner.pid) {
      // Another process took over the stale lock between our read and our rename: give it back.
      await rename(aside, path).catch(() => {})
      continue
    }
    await unlink(aside).catch(() => {})
  }
  throw new Error(`could not take the lock file ${path}; remove it if no server is running`)
}
