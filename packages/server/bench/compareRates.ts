/** One way of doing the same work, measured against the others. */
export interface RateVariant {
  readonly name: string
  /** Does one unit of work; `i` counts the calls of this loop. */
  run(i: number): Promise<unknown>
}

/** Each variant's figure in each round, by name. */
export type RateSamples = ReadonlyMap<string, readonly number[]>

/** What the rounds measured: completions per second, and this process's CPU time per completion. */
export interface RateComparison {
  readonly rates: RateSamples
  /** Microseconds of CPU (this process, worker threads included) per completion. */
  readonly cpu: RateSamples
}

/**
 * How many times `run` completes per second with `concurrency` loops for `seconds`, and the CPU
 * time this process spent per completion (what a busy neighbour disturbs least).
 */
const rateOf = async (variant: RateVariant, concurrency: number, seconds: number) => {
  let done = 0
  const until = performance.now() + seconds * 1000
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = loop; performance.now() < until; i += concurrency) {
        await variant.run(i)
        done += 1
      }
    }),
  )
  const rate = done / ((performance.now() - started) / 1000)
  const used = process.cpuUsage(cpu)
  return { rate, cpu: (used.user + used.system) / Math.max(1, done) }
}

/**
 * Measures variants in short turns (A, B, C, A, B, C...), so that a busy neighbour slows them
 * alike, and answers each one's rate in every round.
 */
export const compareRates = async (
  variants: readonly RateVariant[],
  options: { concurrency: number; seconds: number; rounds: number },
): Promise<RateComparison> => {
  const rates = new Map<string, number[]>(variants.map((variant) => [variant.name, []]))
  const cpu = new Map<string, number[]>(variants.map((variant) => [variant.name, []]))
  for (let round = 0; round < options.rounds; round += 1) {
    for (const variant of variants) {
      const measured = await rateOf(variant, options.concurrency, options.seconds)
      rates.get(variant.name)?.push(measured.rate)
      cpu.get(variant.name)?.push(measured.cpu)
    }
  }
  return { rates, cpu }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** The median of a variant's figures. */
export const medianOf = (samples: RateSamples, name: string): number =>
  median(samples.get(name) ?? [])

/**
 * What `name` costs against `base` in throughput, in percent of `base`'s rate: the median over
 * rounds of the two rates measured next to each other, which a load that changes between rounds
 * moves less than a ratio of averages.
 */
export const costPercent = (samples: RateSamples, name: string, base: string): number => {
  const costs = (samples.get(name) ?? []).map((rate, round) => {
    const baseRate = samples.get(base)?.[round] ?? Number.NaN
    return ((baseRate - rate) / baseRate) * 100
  })
  return median(costs)
}

/** What `name` costs against `base` in CPU per completion, in percent of `base`'s (medians). */
export const cpuCostPercent = (cpu: RateSamples, name: string, base: string): number =>
  ((median(cpu.get(name) ?? []) - median(cpu.get(base) ?? [])) / median(cpu.get(base) ?? [])) * 100
