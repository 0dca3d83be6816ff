import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unpackModulesArchive } from './prepareFunctionModules'
import { readTarArchive } from './readTarArchive'

// Archives made by the system's tar, the way App Services' docs make one:
// `tar -czf node_modules.tar.gz node_modules/`, in GNU's format (long names as `L` entries) and
// in POSIX's (pax headers).
const LONG = `node_modules/@scope/a-package-with-a-long-name/${'deeply-nested-folder/'.repeat(5)}index.js`

describe('node_modules archives', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tar-test-'))
    const staging = join(root, 'staging')
    await mkdir(join(staging, LONG, '..'), { recursive: true })
    await writeFile(join(staging, LONG), 'module.exports = "deep"\n')
    await mkdir(join(staging, 'node_modules', 'plain'), { recursive: true })
    await writeFile(join(staging, 'node_modules', 'plain', 'index.js'), 'module.exports = 1\n')
    await mkdir(join(staging, 'node_modules', '.bin'), { recursive: true })
    await symlink('../plain/index.js', join(staging, 'node_modules', '.bin', 'plain'))
    await symlink('/etc/passwd', join(staging, 'node_modules', 'plain', 'outside'))
    for (const format of ['gnu', 'posix']) {
      execFileSync(
        'tar',
        [`--format=${format}`, '-czf', join(root, `${format}.tar.gz`), 'node_modules/'],
        {
          cwd: staging,
        },
      )
    }
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  it.each(['gnu', 'posix'])(
    'reads a %s archive: long names, files, folders, symlinks',
    async (format) => {
      const entries = readTarArchive(await readFile(join(root, `${format}.tar.gz`)))
      const byPath = new Map(entries.map((entry) => [entry.path.replace(/\/$/, ''), entry]))
      expect(Buffer.from(byPath.get(LONG)?.data ?? []).toString()).toBe('module.exports = "deep"\n')
      expect(byPath.get('node_modules/plain')?.type).toBe('directory')
      expect(byPath.get('node_modules/.bin/plain')).toMatchObject({
        type: 'symlink',
        linkTarget: '../plain/index.js',
      })
    },
  )

  it('refuses what is not a tar archive', () => {
    expect(() => readTarArchive(Buffer.alloc(1024, 7))).toThrow(/not a tar archive/)
  })

  it('unpacks once into the cache, keeps links inside it and drops those that leave it', async () => {
    const cache = join(root, 'cache')
    const target = await unpackModulesArchive(join(root, 'gnu.tar.gz'), cache)
    expect(await readFile(join(target, LONG), 'utf8')).toBe('module.exports = "deep"\n')
    expect(await readFile(join(target, 'node_modules', '.bin', 'plain'), 'utf8')).toBe(
      'module.exports = 1\n',
    )
    expect(existsSync(join(target, 'node_modules', 'plain', 'outside'))).toBe(false)
    // A second start reuses it, and leaves nothing half-unpacked behind.
    expect(await unpackModulesArchive(join(root, 'gnu.tar.gz'), cache)).toBe(target)
    expect(await readdir(cache)).toHaveLength(1)
  })
})
