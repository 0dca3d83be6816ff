/** How long a tab waits for another tab's lock before it takes the lock over (docs/reliability.md H4). */
const LOCK_TIMEOUT_MS = 5000

// Where the Web Locks API is missing (Node, old browsers): one queue per lock name in this realm.
const queues = new Map<string, Promise<unknown>>()

/**
 * Runs `task` holding the named lock, across the tabs of the origin where the Web Locks API
 * exists. A holder that crashed or hangs cannot block the others for good: after `timeout` the
 * waiting tab steals the lock (the server's rotation grace window covers the overlap). Where the
 * API is missing, an in-process queue with the same timeout stands in (docs/reliability.md H5).
 */
export const withLock = <T>(
  name: string,
  task: () => Promise<T>,
  timeout: number = LOCK_TIMEOUT_MS,
): Promise<T> => {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks
  // Safari 15.4-15.6 has Web Locks but no AbortSignal.timeout: it gets the in-process lock.
  if (locks && AbortSignal.timeout) {
    let started = false
    const run = (): Promise<T> => {
      started = true
      return task()
    }
    return locks
      .request(name, { signal: AbortSignal.timeout(timeout) }, run)
      .catch((error: unknown) => {
        if (started) throw error
        return locks.request(name, { steal: true }, run)
      })
  }
  const result = Promise.race([
    queues.get(name),
    new Promise((resolve) => (setTimeout(resolve, timeout) as { unref?: () => void }).unref?.()),
  ]).then(task)
  queues.set(
    name,
    result.catch(() => undefined),
  )
  return result
}
