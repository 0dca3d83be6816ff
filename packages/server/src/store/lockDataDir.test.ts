import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import { mkdtemp, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
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
    expect(await readFile(`${dir}.lock`, 'utf8')).toMatch(
      new RegExp(`^${process.pid}\\n${hostname()}\\nboot \\S+\\npidns \\S+\\nstart \\d+\\n$`),
    )
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
    expect(await readFile(`${dir}.lock`, 'utf8')).toMatch(
      new RegExp(`^${server.child.pid}\\n${hostname()}\\n`),
    )
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

  describe('after a crash in a container', () => {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const pidNamespace = readlinkSync('/proc/self/ns/pid')
    const startOf = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
    }
    const lockFile = (fields: {
      pid: number
      host: string
      boot: string
      pidns: string
      start: string
    }) =>
      `${fields.pid}\n${fields.host}\nboot ${fields.boot}\npidns ${fields.pidns}\nstart ${fields.start}\n`
    const fastTiming = { heartbeatMs: 100, staleAfterMs: 1_000 }

    it('F5: PGlite data folders cannot be reopened after a crash in a container: a lock whose PID now belongs to another process (a restarted PID 1) is taken over at once', async () => {
      const dir = join(await mkdtemp(join(tmpdir(), 'f5-pid-')), 'data')
      // The dead holder had this process's PID (as PID 1 has in every new container) and the same
      // host name, but it started at another time.
      await writeFile(
        `${dir}.lock`,
        lockFile({
          pid: process.pid,
          host: hostname(),
          boot: bootId,
          pidns: pidNamespace,
          start: '1',
        }),
      )
      const started = Date.now()
      const lock = await lockDataDir(dir)
      expect(Date.now() - started).toBeLessThan(5_000)
      await lock.release()

      // A live process of another program holding the PID: the start time tells it apart too.
      const other = spawn('sleep', ['30'])
      try {
        await writeFile(
          `${dir}.lock`,
          lockFile({
            pid: other.pid as number,
            host: hostname(),
            boot: bootId,
            pidns: pidNamespace,
            start: String(Number(startOf(other.pid as number)) - 1),
          }),
        )
        await (await lockDataDir(dir)).release()
        // The same process with its own start time is the holder: refused.
        await writeFile(
          `${dir}.lock`,
          lockFile({
            pid: other.pid as number,
            host: hostname(),
            boot: bootId,
            pidns: pidNamespace,
            start: startOf(other.pid as number) as string,
          }),
        )
        await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError)
      } finally {
        other.kill()
      }
    })

    it('F5: a lock from another container (host name, PID namespace) is taken over once its heartbeat stops; a beating one is never', async () => {
      const dir = join(await mkdtemp(join(tmpdir(), 'f5-host-')), 'data')
      const foreign = lockFile({
        pid: 1,
        host: 'container-1a2b3c',
        boot: bootId,
        pidns: 'pid:[1]',
        start: '12345',
      })
      // Untouched for long: taken over at once.
      await writeFile(`${dir}.lock`, foreign)
      const old = new Date(Date.now() - 10 * 60_000)
      await utimes(`${dir}.lock`, old, old)
      let started = Date.now()
      await (await lockDataDir(dir, fastTiming)).release()
      expect(Date.now() - started).toBeLessThan(fastTiming.staleAfterMs)

      // Touched just now (a crash a moment ago): taken over once it stays untouched.
      await writeFile(`${dir}.lock`, foreign)
      started = Date.now()
      await (await lockDataDir(dir, fastTiming)).release()
      expect(Date.now() - started).toBeGreaterThanOrEqual(fastTiming.staleAfterMs - 100)

      // Touched all along by a live holder elsewhere: refused, the lock left as it is.
      await writeFile(`${dir}.lock`, foreign)
      const beat = setInterval(() => {
        const now = new Date()
        void utimes(`${dir}.lock`, now, now)
      }, 100)
      try {
        await expect(lockDataDir(dir, fastTiming)).rejects.toThrow(
          `locked by PID 1 on container-1a2b3c`,
        )
        expect(await readFile(`${dir}.lock`, 'utf8')).toBe(foreign)
      } finally {
        clearInterval(beat)
      }
    })

    it('F5: a lock from before the last boot is taken over at once', async () => {
      const dir = join(await mkdtemp(join(tmpdir(), 'f5-boot-')), 'data')
      await writeFile(
        `${dir}.lock`,
        lockFile({ pid: 1, host: hostname(), boot: 'another-boot', pidns: 'pid:[1]', start: '5' }),
      )
      await (await lockDataDir(dir)).release()
    })

    it('the holder touches its lock while it holds it', async () => {
      const dir = join(await mkdtemp(join(tmpdir(), 'beat-')), 'data')
      const lock = await lockDataDir(dir, fastTiming)
      try {
        const first = (await stat(`${dir}.lock`)).mtimeMs
        await vi.waitFor(
          async () => expect((await stat(`${dir}.lock`)).mtimeMs).toBeGreaterThan(first),
          {
            timeout: 5_000,
          },
        )
      } finally {
        await lock.release()
      }
    })
  })
})
