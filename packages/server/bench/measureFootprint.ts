// `pnpm bench:server --footprint`: what the embedded default costs a small box. The CLI on PGlite in
// memory: time from spawn to listening, and its RSS once idle; beside it, PGlite alone in a bare
// Node process (created, migrated by us, idle), so that what PGlite costs and what is ours show
// apart. Each figure the median of a few starts.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

const bin = fileURLToPath(new URL('../bin/custom-data-server.js', import.meta.url))
const demoApp = fileURLToPath(new URL('../../../apps/demo/backend', import.meta.url))
const serverPackage = fileURLToPath(new URL('../', import.meta.url))
const STARTS = Number(process.env.BENCH_STARTS ?? 3)
const IDLE_MS = 3000

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN)
  return kb / 1024
}

/** Spawns `args`, waits for `ready` on stdout: milliseconds to it, and RSS after IDLE_MS. */
const startOnce = async (args: string[], ready: RegExp) => {
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd: serverPackage,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: '' },
  })
  const ms = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (ready.test(out)) resolve(performance.now() - started)
    })
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready`)))
  })
  await sleep(IDLE_MS)
  const rss = rssMb(child.pid as number)
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
  return { ms, rss }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

const measure = async (label: string, args: string[], ready: RegExp) => {
  const runs = []
  for (let i = 0; i < STARTS; i += 1) runs.push(await startOnce(args, ready))
  console.log(
    `${label.padEnd(44)}${median(runs.map((r) => r.ms))
      .toFixed(0)
      .padStart(7)} ms to ready${median(runs.map((r) => r.rss))
      .toFixed(0)
      .padStart(7)} MB RSS idle`,
  )
}

export const measureFootprint = async (): Promise<void> => {
  console.log(`footprint: median of ${STARTS} starts, RSS ${IDLE_MS / 1000} s after ready`)
  await measure(
    'node alone (tsx loaded)',
    ['--import', 'tsx', '-e', 'console.log("ready"); setInterval(() => {}, 1000)'],
    /ready/,
  )
  await measure(
    'PGlite alone, in memory, migrated',
    ['--import', 'tsx', fileURLToPath(new URL('./footprintPglite.ts', import.meta.url))],
    /ready/,
  )
  await measure(
    'custom-data-server start (PGlite in memory)',
    [bin, 'start', '--app', demoApp, '--port', '0', '--log-level', 'warn'],
    /listening on/,
  )
}
