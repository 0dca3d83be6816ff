import type { ThrowawayCluster } from './throwawayCluster'

/** What a scenario gets to work with. */
export interface FaultContext {
  /** The suite's own PostgreSQL cluster (scenarios that need one fail without it). */
  readonly cluster: ThrowawayCluster | undefined
  /** A new, empty database on the suite's cluster; answers its URL. */
  createDatabase(name: string): Promise<string>
  /** A new empty folder under the system's temporary folder. */
  tempDir(prefix: string): string
}

/** One fault injected into a real server process, and what must hold through it. */
export interface FaultScenario {
  readonly name: string
  readonly needsPostgres: boolean
  /** The scenario fails if it takes longer. */
  readonly timeoutMs: number
  /** Runs the scenario; throws when a promise is broken, else answers its figure. */
  run(context: FaultContext): Promise<string>
}

/** Throws with `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}
