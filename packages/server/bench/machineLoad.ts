import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

/** The machine's load just before a measurement. */
export interface MachineLoad {
  /** `os.loadavg()[0]`: runnable processes, averaged over a minute (it trails our own runs). */
  readonly loadavg1: number
  /**
   * The share of all cores that other processes kept busy over the sampling window, 0 to 1: the
   * whole machine's busy time less that of the bench and its servers (which should be idle).
   */
  readonly busy: number
}

const times = () =>
  cpus().reduce(
    (sum, cpu) => {
      const { user, nice, sys, irq, idle } = cpu.times
      return {
        busy: sum.busy + user + nice + sys + irq,
        total: sum.total + user + nice + sys + irq + idle,
      }
    },
    { busy: 0, total: 0 },
  )

// Linux's USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second.
const TICK_MS = 10

/** CPU time (ms) of these processes and their threads so far; 0 where /proc cannot tell. */
const cpuOf = (pids: readonly number[]): number =>
  pids.reduce((sum, pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return sum + (Number(fields[11]) + Number(fields[12])) * TICK_MS
    } catch {
      return sum
    }
  }, 0)

/** Samples the machine for `ms`, leaving out the CPU time of `own` (the bench and its servers). */
export const sampleLoad = async (own: readonly number[] = [], ms = 1000): Promise<MachineLoad> => {
  const pids = [process.pid, ...own]
  const before = times()
  const ownBefore = cpuOf(pids)
  await sleep(ms)
  const after = times()
  const ownTime = cpuOf(pids) - ownBefore
  const total = after.total - before.total
  const busy = total > 0 ? Math.max(0, after.busy - before.busy - ownTime) / total : 0
  return { loadavg1: loadavg()[0] ?? 0, busy }
}

/** `loadavg 1.20, busy 35% of 2 cores`. */
export const describeLoad = (load: MachineLoad): string =>
  `loadavg ${load.loadavg1.toFixed(2)}, busy ${(load.busy * 100).toFixed(0)}% of ${cpus().length} cores`
