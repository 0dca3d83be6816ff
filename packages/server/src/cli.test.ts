import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { basicAppDir } from './testUtils'

const bin = fileURLToPath(new URL('../bin/custom-data-server.js', import.meta.url))

const run = (args: string[]) => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

describe('custom-data-server CLI', () => {
  it('starts on a real port, prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const server = run([
      'start',
      '--app',
      basicAppDir,
      '--port',
      '0',
      '--data',
      ':memory:',
      '--log-level',
      'silent',
    ])
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /listening on (http:\/\/\S+)/.exec(server.output().stdout)
        if (match?.[1]) {
          clearInterval(timer)
          resolve(match[1])
        }
      }, 50)
      void server.exited.then((code) => {
        clearInterval(timer)
        reject(new Error(`exited ${code}: ${server.output().stderr}`))
      })
    })
    const alive = await fetch(`${url}/health/alive`)
    expect(alive.status).toBe(200)
    const login = await fetch(
      `${url}/api/client/v2.0/app/basic-app-abcde/auth/providers/anon-user/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    )
    expect(login.status).toBe(200)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('refuses to start on a missing app folder, naming it', async () => {
    const server = run(['start', '--app', '/nonexistent/app', '--port', '0'])
    expect(await server.exited).toBe(1)
    expect(server.output().stderr).toContain('App folder /nonexistent/app does not exist.')
  })

  it('explains bad flags', async () => {
    const server = run(['start', '--port', '0'])
    expect(await server.exited).toBe(2)
    expect(server.output().stderr).toContain('--app is required')
  })
})
