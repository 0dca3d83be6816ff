import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spawnCli } from '../testing/spawnCli'
import { basicAppDir } from '../testUtils'
import { DataDirLockedError, lockDataDir } from './lockDataDir'

const deadPid = (): number => {
  // A process that has exited: its PID is free (and, within a test, not reused).
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

describe('the PGlite data-folder lock', () => {
  it('is taken, refused to a second taker in the same process, and released', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'lock-')), 'data')
    const lock = await lockDataDir(dir)
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${process.pid}\n${hostname()}\n`)
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError)
    await lock.release()
    expect(await exists(`${dir}.lock`)).toBe(false)
    await (await lockDataDir(dir)).release()
  })

  it('F4: a second server on the same data folder fails fast naming the holder; the first keeps working', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'f4-')), 'data')
    const args = [
      'start',
      '--app',
      basicAppDir,
      '--port',
      '0',
      '--data',
      dir,
      '--log-level',
      'silent',
    ]
    const first = spawnCli(args)
    const url = await first.listening()
    const login = await fetch(
      `${url}/api/client/v2.0/app/basic-app-abcde/auth/providers/anon-user/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    )
    expect(login.status).toBe(200)

    const started = Date.now()
    const second = spawnCli(args)
    expect(await second.exited).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(second.output().stderr).toContain(
      `custom-data-server: data dir ${dir} locked by PID ${first.child.pid}`,
    )

    const { refresh_token } = (await login.json()) as { refresh_token: string }
    const refresh = await fetch(`${url}/api/client/v2.0/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${refresh_token}` },
    })
    expect(refresh.status).toBe(201)
    expect((await fetch(`${url}/health/ready`)).status).toBe(200)
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(await exists(`${dir}.lock`)).toBe(false)
  })

  it('F5: a stale lock from a dead PID is taken over; a live PID’s lock is never stolen', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'f5-')), 'data')
    const args = [
      'start',
      '--app',
      basicAppDir,
      '--port',
      '0',
      '--data',
      dir,
      '--log-level',
      'silent',
    ]
    await writeFile(`${dir}.lock`, `${deadPid()}\n${hostname()}\n`)
    const server = spawnCli(args)
    await server.listening()
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${server.child.pid}\n${hostname()}\n`)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)

    // This test process is alive: its lock must stand.
    const live = `${process.pid}\n${hostname()}\n`
    await writeFile(`${dir}.lock`, live)
    const refused = spawnCli(args)
    expect(await refused.exited).toBe(1)
    expect(refused.output().stderr).toContain(`locked by PID ${process.pid}`)
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(live)
  })
})
