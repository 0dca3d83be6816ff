import { readFileSync, readlinkSync } from 'node:fs'
import { readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

/** Held while a process has a PGlite data folder open; `release` removes the lock file. */
export interface DataDirLock {
  readonly path: string
  release(): Promise<void>
}

/** A data folder another live process holds. */
export class DataDirLockedError extends Error {
  readonly pid: number
  constructor(
    dataDir: string,
    holder: { readonly pid: number; readonly host: string },
    path: string,
  ) {
    super(
      `data dir ${dataDir} locked by PID ${holder.pid}${holder.host ? ` on ${holder.host}` : ''} (lock file ${path}); stop that process first, or use PostgreSQL (DATABASE_URL) to run several servers`,
    )
    this.name = 'DataDirLockedError'
    this.pid = holder.pid
  }
}

/** How the lock tells a live holder from a dead one (tests shorten the times). */
export interface LockTiming {
  /** How often the holder touches its lock file. Default 5 s. */
  readonly heartbeatMs: number
  /** A lock untouched this long has no live holder. Default 30 s. */
  readonly staleAfterMs: number
}

const DEFAULT_TIMING: LockTiming = { heartbeatMs: 5_000, staleAfterMs: 30_000 }

/** What a lock file says of its holder. Older servers wrote only the first two lines. */
interface Holder {
  readonly pid: number
  readonly host: string
  /** The kernel's boot id: processes of another boot are all gone. */
  readonly boot?: string
  /** The PID namespace: a PID means the same process only within one (one container). */
  readonly pidns?: string
  /** The process's start time, in clock ticks since boot: a reused PID has another. */
  readonly start?: string
}

const readOr = (read: () => string): string => {
  try {
    return read().trim()
  } catch {
    return ''
  }
}

// Linux tells these through /proc; elsewhere they are empty and the lock relies on PID, host
// and heartbeat alone.
const BOOT_ID = readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))
const PID_NAMESPACE = readOr(() => readlinkSync('/proc/self/ns/pid'))

/** A process's start time from /proc/<pid>/stat (field 22), or '' if it has none (gone). */
const startTimeOf = (pid: number): string => {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, 'utf8'))
  // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[19] ?? ''
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

const format = (holder: Holder): string =>
  [
    holder.pid,
    holder.host,
    ...(holder.boot ? [`boot ${holder.boot}`] : []),
    ...(holder.pidns ? [`pidns ${holder.pidns}`] : []),
    ...(holder.start ? [`start ${holder.start}`] : []),
  ].join('\n') + '\n'

const parse = (text: string): Holder => {
  const [pid = '', host = '', ...rest] = text.trim().split('\n')
  const field = (name: string) =>
    rest.find((line) => line.startsWith(`${name} `))?.slice(name.length + 1) || undefined
  const parsed = Number(pid)
  const boot = field('boot')
  const pidns = field('pidns')
  const start = field('start')
  return {
    pid: Number.isInteger(parsed) && parsed > 0 ? parsed : 0,
    host,
    ...(boot ? { boot } : {}),
    ...(pidns ? { pidns } : {}),
    ...(start ? { start } : {}),
  }
}

const readHolder = async (
  path: string,
): Promise<{ holder: Holder; touchedAt: number } | undefined> => {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
    return { holder: parse(text), touchedAt: info.mtimeMs }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Whether the holder can be checked from here, and if so whether it lives: within our own PID
 * namespace and boot, a PID with the recorded start time is that very process (a PID reused by
 * another process, such as a restarted container's PID 1, has another start time). `undefined`
 * when it cannot be checked (another container, another machine on a shared volume): then only
 * its heartbeat tells.
 */
const holderLives = (holder: Holder, self: Holder): boolean | undefined => {
  if (holder.boot && holder.pidns && holder.start) {
    if (holder.boot !== self.boot || holder.pidns !== self.pidns) {
      // Another boot of this host: every process of it is gone. Another namespace: unknown.
      return holder.host === self.host && holder.boot !== self.boot ? false : undefined
    }
    // Our own PID and start time: this very process holds it already.
    return startTimeOf(holder.pid) === holder.start
  }
  // A lock of an older server: PID and host only, as those servers checked it.
  if (holder.host !== '' && holder.host !== self.host) return undefined
  if (holder.pid === self.pid) return false
  return isAlive(holder.pid)
}

/**
 * Takes `<dataDir>.lock` (next to the folder, never inside PostgreSQL's files) with O_EXCL, so a
 * second process on the same folder fails fast instead of corrupting it (PGlite has no lock of its
 * own: pglite #1106). A live holder's lock is never taken (docs/reliability.md F4); a dead one's is
 * (F5), even when its PID now belongs to another process or its host name to no one, as after a
 * crash in a container: the lock records the holder's boot id, PID namespace and start time, and
 * the holder touches it every 5 s. A holder that cannot be checked from here (another container
 * or machine) is waited for until its lock goes 30 s untouched.
 */
export const lockDataDir = async (
  dataDir: string,
  timing: LockTiming = DEFAULT_TIMING,
): Promise<DataDirLock> => {
  const path = `${dataDir}.lock`
  const self: Holder = {
    pid: process.pid,
    host: hostname(),
    boot: BOOT_ID,
    pidns: PID_NAMESPACE,
    start: startTimeOf(process.pid),
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(path, format(self), { flag: 'wx' })
      return held(path, timing)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const found = await readHolder(path)
    if (!found) continue // released between our attempt and the read: try again
    const { holder } = found
    let lives = holderLives(holder, self)
    if (lives === undefined) {
      // Watch its heartbeat for a while (unless it stopped long ago): a live holder touches it.
      const quietFor = Date.now() - found.touchedAt
      if (quietFor < 2 * timing.staleAfterMs) {
        await sleep(Math.max(0, timing.staleAfterMs - Math.max(0, quietFor)))
        const now = await readHolder(path)
        if (!now) continue
        lives = now.touchedAt !== found.touchedAt || format(now.holder) !== format(holder)
      } else {
        lives = false
      }
    }
    if (lives) throw new DataDirLockedError(dataDir, holder, path)
    // Stale: move it aside atomically. Of two processes racing for the same stale lock only one
    // rename succeeds; the other finds the winner's live lock on its next attempt.
    const aside = `${path}.stale-${process.pid}`
    const moved = await rename(path, aside).then(
      () => true,
      () => false,
    )
    if (!moved) continue
    const movedHolder = await readHolder(aside)
    if (movedHolder && format(movedHolder.holder) !== format(holder)) {
      // Another process took over the stale lock between our read and our rename: give it back.
      await rename(aside, path).catch(() => {})
      continue
    }
    await unlink(aside).catch(() => {})
  }
  throw new Error(`could not take the lock file ${path}; remove it if no server is running`)
}

/** The lock as held: touched every `heartbeatMs` until released. */
const held = (path: string, timing: LockTiming): DataDirLock => {
  const heartbeat = setInterval(() => {
    const now = new Date()
    utimes(path, now, now).catch(() => {})
  }, timing.heartbeatMs)
  heartbeat.unref()
  return {
    path,
    async release() {
      clearInterval(heartbeat)
      const found = await readHolder(path).catch(() => undefined)
      if (found?.holder.pid === process.pid) await unlink(path).catch(() => {})
    },
  }
}
