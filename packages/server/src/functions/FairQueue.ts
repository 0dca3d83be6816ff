/** How an owner with a waiting call stands: fewer running, served longer ago, waiting longer. */
interface Rank {
  readonly running: number
  readonly served: number
  readonly since: number
}

const comesFirst = (a: Rank, b: Rank): boolean => {
  if (a.running !== b.running) return a.running < b.running
  if (a.served !== b.served) return a.served < b.served
  return a.since < b.since
}

/**
 * The order function calls get workers in, so that one user can never hold the pool while others
 * wait (docs/reliability.md G8). Each owner (a user, or the system) may run at most
 * `max(1, min(workers - 1, floor(workers / owners)))` calls at once, where `owners` counts those
 * with calls running or waiting: alone, a user may use all workers but one, which stays free for
 * whoever comes next; as others arrive, the share shrinks to an equal part. A free worker goes to
 * the owner running the fewest calls; among equals, to the one served least recently (so owners
 * take turns, however many calls one of them queued), then to the longest waiting. Nothing is
 * preempted: a call that runs keeps its worker until it ends.
 */
export class FairQueue<T> {
  readonly #workers: number
  readonly #owners = new Map<
    string,
    { running: number; served: number; waiting: { item: T; since: number }[] }
  >()
  #sequence = 0
  #waiting = 0
  #running = 0

  /** @param workers the size of the pool the calls share */
  constructor(workers: number) {
    this.#workers = Math.max(1, workers)
  }

  /** Calls waiting for a worker. */
  get size(): number {
    return this.#waiting
  }

  /** How many calls one owner may run at once now. */
  share(): number {
    return Math.max(
      1,
      Math.min(this.#workers - 1, Math.floor(this.#workers / Math.max(1, this.#owners.size))),
    )
  }

  /** Queues a call of `owner`. */
  push(owner: string, item: T): void {
    let state = this.#owners.get(owner)
    if (!state) {
      state = { running: 0, served: 0, waiting: [] }
      this.#owners.set(owner, state)
    }
    this.#sequence += 1
    state.waiting.push({ item, since: this.#sequence })
    this.#waiting += 1
  }

  /**
   * The next call that may start now, counted as running until `done(owner)`; undefined when
   * every worker is busy, or every waiting owner has its share running.
   */
  take(): { owner: string; item: T } | undefined {
    if (this.#running >= this.#workers) return undefined
    const share = this.share()
    let best: string | undefined
    let bestRank: Rank | undefined
    for (const [owner, state] of this.#owners) {
      const first = state.waiting[0]
      if (!first || state.running >= share) continue
      const rank = { running: state.running, served: state.served, since: first.since }
      if (!bestRank || comesFirst(rank, bestRank)) {
        best = owner
        bestRank = rank
      }
    }
    if (best === undefined) return undefined
    const state = this.#owners.get(best)
    const next = state?.waiting.shift()
    if (!state || !next) return undefined
    state.running += 1
    this.#sequence += 1
    state.served = this.#sequence
    this.#running += 1
    this.#waiting -= 1
    return { owner: best, item: next.item }
  }

  /** A call of `owner` that `take` handed out has ended. */
  done(owner: string): void {
    const state = this.#owners.get(owner)
    if (!state || state.running === 0) return
    state.running -= 1
    this.#running -= 1
    this.#forgetIdle(owner)
  }

  /** Takes every waiting call out (the runtime is closing). */
  drain(): T[] {
    const items: T[] = []
    for (const [owner, state] of this.#owners) {
      items.push(...state.waiting.map(({ item }) => item))
      this.#waiting -= state.waiting.length
      state.waiting = []
      this.#forgetIdle(owner)
    }
    return items
  }

  #forgetIdle(owner: string): void {
    const state = this.#owners.get(owner)
    if (state && state.running === 0 && state.waiting.length === 0) this.#owners.delete(owner)
  }
}
