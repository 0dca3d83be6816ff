import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const workspace = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The environment of a user's shell: this test's own, without what pnpm and Vitest put there for
 * the workspace (`npm_*` and `PNPM_*` settings, the workspace's `node_modules/.bin` on PATH), so
 * the apps install and build as they would in a project of their own.
 */
export const userEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|vitest|__vitest)/i.test(name) || name === 'NODE_OPTIONS') continue
    env[name] = value
  }
  env.PATH = (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => !dir.startsWith(workspace))
    .join(':')
  return { ...env, NEXT_TELEMETRY_DISABLED: '1', DATABASE_URL: '', ...extra }
}

/** Runs a command to its end; rejects with everything it printed when it fails. */
export const runCommand = (
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code === 0) resolve(output)
      else
        reject(
          new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited ${code}:\n${output}`),
        )
    })
  })

/** A long-running process started in a process group of its own, and what it printed. */
export interface Started {
  readonly child: ChildProcess
  output(): string
  /** Resolves with the first match of `pattern` in its output; rejects if it exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Stops it and everything it started (npx runs the server in a child of its own). */
  stop(): Promise<void>
}

/** Starts a command that keeps running (a server). */
export const startCommand = (
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Started => {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now()
        const timer = setInterval(() => {
          const match = pattern.exec(output)
          if (match) {
            clearInterval(timer)
            resolve(match)
          } else if (Date.now() - started > timeoutMs) {
            clearInterval(timer)
            reject(new Error(`${command} printed no ${pattern} in ${timeoutMs} ms:\n${output}`))
          }
        }, 50)
        void exited.then((code) => {
          clearInterval(timer)
          reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))
        })
      }),
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return
      // The group this process leads: npx's server child goes with it.
      const group = -child.pid
      process.kill(group, 'SIGTERM')
      await exited
      // The leader can exit before the server it started has drained: wait for the whole group.
      for (let waited = 0; waited < 15_000; waited += 50) {
        try {
          process.kill(group, 0)
        } catch {
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      process.kill(group, 'SIGKILL')
    },
  }
}
