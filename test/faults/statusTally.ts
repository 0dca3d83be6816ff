import type { Answer } from './appClient'

/** Counts the answers of a load by status, and their slowest time. */
export const statusTally = () => {
  const counts = new Map<number, number>()
  let slowestMs = 0
  return {
    add(answer: Answer): Answer {
      counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1)
      slowestMs = Math.max(slowestMs, answer.ms)
      return answer
    },
    count: (status: number) => counts.get(status) ?? 0,
    get total() {
      return [...counts.values()].reduce((sum, n) => sum + n, 0)
    },
    get slowestMs() {
      return slowestMs
    },
    /** Statuses outside `allowed`, with their counts. */
    others(allowed: readonly number[]): string[] {
      return [...counts]
        .filter(([status]) => !allowed.includes(status))
        .map(([s, n]) => `${n}×${s}`)
    },
    toString: () =>
      [...counts]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${n}×${status === 0 ? 'no answer' : status}`)
        .join(' '),
  }
}

/** Runs `step` in `workers` loops until `done()`; answers when every loop has stopped. */
export const runWorkers = async (
  workers: number,
  step: (worker: number) => Promise<unknown>,
  done: () => boolean,
): Promise<void> => {
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (!done()) await step(worker)
    }),
  )
}

/** Waits until `condition()` holds, polling, or throws after `timeoutMs`. */
export const waitUntil = async (
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> => {
  const started = performance.now()
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${what}: not within ${(timeoutMs / 1000).toFixed(0)} s`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}
