import { readFileSync, readlinkSync } from 'node:fs'
import { utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { appClient, mustLogIn } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { startServerProcess } from '../serverProcess'

/**
 * The lock file a crashed server left, rewritten to say what it says inside a container: the
 * holder was PID 1 (which, in the next container, is the new server again, or here another live
 * process), or ran in another container (another host name and PID namespace) and stopped
 * touching its lock a while ago. A real container cannot be made here; its lock file can.
 */
const lockOf = (fields: { pid: number; host: string; pidns: string; start: string }): string =>
  [
    fields.pid,
    fields.host,
    `boot ${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`,
    `pidns ${fields.pidns}`,
    `start ${fields.start}`,
  ].join('\n') + '\n'

export const containerLock: FaultScenario = {
  name: 'F5: crashed lock holder, container-like PID and host name',
  needsPostgres: false,
  timeoutMs: 150_000,
  async run(context) {
    const dataDir = `${context.tempDir('faults-lock-')}/data`
    const lockPath = `${dataDir}.lock`
    let server = await startServerProcess({ dataDir })
    const login = await mustLogIn(server.url)
    const inserted = await appClient(server.url).insertNote(login.access_token, {
      ownerId: login.user_id,
      kept: true,
    })
    check(inserted.status === 200, `insert answered ${inserted.status}`)
    const figures: string[] = []
    const crashAndRestart = async (what: string, lock: string, untouchedForMs: number) => {
      await server.kill9()
      await writeFile(lockPath, lock)
      const touched = new Date(Date.now() - untouchedForMs)
      await utimes(lockPath, touched, touched)
      const started = performance.now()
      server = await startServerProcess({ dataDir })
      figures.push(`${what}: restarted in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      const found = await appClient(server.url).findNotes(login.access_token, { kept: true })
      check(
        found.status === 200 && (found.body as unknown as unknown[]).length === 1,
        `${what}: the data is not intact (${found.status})`,
      )
    }
    try {
      // PID 1 is alive here (the init process): a holder "PID 1" with another start time.
      await crashAndRestart(
        'PID 1 reused',
        lockOf({ pid: 1, host: hostname(), pidns: readlinkSync('/proc/self/ns/pid'), start: '7' }),
        0,
      )
      // Another container's lock, untouched for 40 s (its heartbeat is every 5 s).
      await crashAndRestart(
        'another container',
        lockOf({ pid: 1, host: 'container-7f3e9a', pidns: 'pid:[4026532999]', start: '4242' }),
        40_000,
      )
      return `${figures.join('; ')}; data intact`
    } finally {
      await server.stop()
    }
  },
}
