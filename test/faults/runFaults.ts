// `pnpm test:faults`: starts the real CLI server and injects faults into it, one scenario at a
// time, then prints a table (scenario, result, figure) and exits 1 if any scenario failed. The
// PostgreSQL scenarios run on a throw-away cluster of the suite's own (initdb in a temporary
// folder, a free port): without initdb they fail, never skip. Traffic goes to 127.0.0.1 only.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { FaultContext, FaultScenario } from './FaultScenario'
import { killAllServers } from './serverProcess'
import { containerLock } from './scenarios/containerLock'
import { fairFunctions } from './scenarios/fairFunctions'
import { databaseOutage, startWhileDown } from './scenarios/databaseOutage'
import {
  killDuringTriggersPglite,
  killDuringTriggersPostgres,
} from './scenarios/killDuringTriggers'
import { killDuringWritesPglite, killDuringWritesPostgres } from './scenarios/killDuringWrites'
import { mixedLoadMemory } from './scenarios/mixedLoadMemory'
import { terminatedBackends } from './scenarios/terminatedBackends'
import { twoProcesses } from './scenarios/twoProcesses'
import { createThrowawayCluster, type ThrowawayCluster } from './throwawayCluster'

const SCENARIOS: readonly FaultScenario[] = [
  killDuringWritesPglite,
  killDuringWritesPostgres,
  terminatedBackends,
  databaseOutage,
  startWhileDown,
  twoProcesses,
  mixedLoadMemory,
  containerLock,
  fairFunctions,
  killDuringTriggersPglite,
  killDuringTriggersPostgres,
]

interface Outcome {
  readonly name: string
  readonly passed: boolean
  readonly figure: string
  readonly seconds: number
}

const only = process.argv.slice(2)
const selected = only.length
  ? SCENARIOS.filter((scenario) => only.some((word) => scenario.name.includes(word)))
  : SCENARIOS

const folders: string[] = []
let cluster: ThrowawayCluster | undefined
let clusterError: string | undefined
if (selected.some((scenario) => scenario.needsPostgres)) {
  try {
    cluster = await createThrowawayCluster()
  } catch (error) {
    clusterError = (error as Error).message.split('\n')[0]
  }
}

const context: FaultContext = {
  cluster,
  async createDatabase(name) {
    if (!cluster) throw new Error('no PostgreSQL cluster')
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.query(`CREATE DATABASE ${name}`)
    } finally {
      await admin.end()
    }
    return cluster.url.replace(/\/postgres$/, `/${name}`)
  },
  tempDir(prefix) {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    folders.push(dir)
    return dir
  },
}

const runOne = async (scenario: FaultScenario): Promise<Outcome> => {
  const started = performance.now()
  const seconds = () => (performance.now() - started) / 1000
  if (scenario.needsPostgres && !cluster) {
    return {
      name: scenario.name,
      passed: false,
      figure: `no PostgreSQL cluster: ${clusterError ?? 'unknown error'}`,
      seconds: 0,
    }
  }
  let timer: NodeJS.Timeout | undefined
  try {
    const figure = await Promise.race([
      scenario.run(context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${scenario.timeoutMs / 1000} s`)),
          scenario.timeoutMs,
        )
      }),
    ])
    return { name: scenario.name, passed: true, figure, seconds: seconds() }
  } catch (error) {
    return {
      name: scenario.name,
      passed: false,
      // One line in the table, whatever the error said.
      figure: (error as Error).message.replace(/\s+/g, ' ').trim(),
      seconds: seconds(),
    }
  } finally {
    clearTimeout(timer)
  }
}

const outcomes: Outcome[] = []
try {
  for (const scenario of selected) {
    process.stdout.write(`… ${scenario.name}\n`)
    const outcome = await runOne(scenario)
    outcomes.push(outcome)
    process.stdout.write(
      `${outcome.passed ? 'pass' : 'FAIL'} ${scenario.name} (${outcome.seconds.toFixed(0)} s)\n`,
    )
  }
} finally {
  killAllServers()
  cluster?.destroy()
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
}

const rows = [
  ['scenario', 'result', 'time', 'figure'],
  ...outcomes.map((outcome) => [
    outcome.name,
    outcome.passed ? 'pass' : 'FAIL',
    `${outcome.seconds.toFixed(0)} s`,
    outcome.figure,
  ]),
]
const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)))
const line = (row: string[]) =>
  `| ${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join(' | ')} |`
process.stdout.write(
  `\n${line(rows[0] as string[])}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|---|\n${rows
    .slice(1)
    .map(line)
    .join('\n')}\n`,
)
const failed = outcomes.filter((outcome) => !outcome.passed).length
process.stdout.write(`\n${outcomes.length - failed} passed, ${failed} failed\n`)
process.exit(failed > 0 || outcomes.length === 0 ? 1 : 0)
