/** One way of doing the same work, measured against the others. */
export interface RateVariant {
  readonly name: string
  /** Does one unit of work; `i` counts the calls of this loop. */
  run(i: number): Promise<unknown>
}

/** How many times `run` completes per second with `concurrency` loops for `seconds`. */
const rateOf = async (variant: RateVariant, concurrency: number, seconds: number) => {
  let done = 0
  const until = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = loop; performance.now() < until; i += concurrency) {
        await variant.run(i)
        done += 1
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}

/**
 * Measures variants in turns (A, B, C, A, B, C...), so that a busy neighbour slows them alike,
 * and answers each one's mean rate per second by name.
 */
export const compareRates = async (
  variants: readonly RateVariant[],
  options: { concurrency: number; seconds: number; rounds: number },
): Promise<Map<string, number>> => {
  const totals = new Map<string, number>()
  for (let round = 0; round < options.rounds; round += 1) {
    for (const variant of variants) {
      const rate = await rateOf(variant, options.concurrency, options.seconds)
      totals.set(variant.name, (totals.get(variant.name) ?? 0) + rate)
    }
  }
  return new Map([...totals].map(([name, total]) => [name, total / options.rounds]))
}
