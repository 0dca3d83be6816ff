import { cpus, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

/** The machine's load just before a measurement. */
export interface MachineLoad {
  /** `os.loadavg()[0]`: runnable processes, averaged over a minute (it trails our own runs). */
  readonly loadavg1: number
  /**
   * The share of all cores that was busy over the sampling window, 0 to 1, while the bench and
   * its servers were idle: what other processes are using right now.
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

/** Samples the machine for `ms` while nothing of the bench runs. */
export const sampleLoad = async (ms = 1000): Promise<MachineLoad> => {
  const before = times()
  await sleep(ms)
  const after = times()
  const total = after.total - before.total
  return { loadavg1: loadavg()[0] ?? 0, busy: total > 0 ? (after.busy - before.busy) / total : 0 }
}

/** `loadavg 1.20, busy 35% of 2 cores`. */
export const describeLoad = (load: MachineLoad): string =>
  `loadavg ${load.loadavg1.toFixed(2)}, busy ${(load.busy * 100).toFixed(0)}% of ${cpus().length} cores`
