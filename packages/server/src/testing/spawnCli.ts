import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../../bin/custom-data-server.js', import.meta.url))

/** A `custom-data-server` child process and what it printed. */
export interface CliProcess {
  readonly child: ChildProcess
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  output(): { stdout: string; stderr: string }
  /** Resolves with the URL once it prints "listening on"; rejects if it exits first. */
  listening(): Promise<string>
}

/** Runs the CLI (`bin/custom-data-server.js`) as a child process, as a user would. */
export const spawnCli = (args: string[], env: Record<string, string> = {}): CliProcess => {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      if (signal) stderr += `\n[killed by ${signal}]`
      resolve(code)
    }),
  )
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    listening: () =>
      new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /listening on (http:\/\/\S+)/.exec(stdout)
          if (match?.[1]) {
            clearInterval(timer)
            resolve(match[1])
          }
        }, 25)
        void exited.then((code) => {
          clearInterval(timer)
          reject(new Error(`exited ${code} before listening: ${stderr}`))
        })
      }),
  }
}
