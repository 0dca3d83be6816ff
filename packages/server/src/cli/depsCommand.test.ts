import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturePackagesDir, modulesAppDir } from '../functions/modulesAppFixture'
import { spawnCli } from '../testing/spawnCli'

// `custom-data-server deps install`: npm installs functions/package.json into
// functions/node_modules, as App Services' "add dependencies" did. The packages are the tests'
// own, packed by `npm pack`; npm runs --offline, so nothing comes from the internet.
// Two CLI processes start through tsx here: slow on a busy machine.
describe('custom-data-server deps install', { timeout: 90_000 }, () => {
  let root: string
  let app: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deps-command-'))
    app = join(root, 'app')
    await cp(modulesAppDir, app, { recursive: true })
    const dependencies: Record<string, string> = {}
    for (const name of [
      'tiny-id',
      'tiny-alphabet',
      'esm-greeting',
      'babel-style',
      'global-setter',
      'spinner',
    ]) {
      const file = execFileSync('npm', ['pack', join(fixturePackagesDir, name), '--silent'], {
        cwd: root,
        encoding: 'utf8',
      }).trim()
      dependencies[name] = `file:${join(root, file)}`
    }
    await writeFile(
      join(app, 'functions', 'package.json'),
      JSON.stringify({ name: 'functions', private: true, dependencies }),
    )
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  it('installs the packages, names what is still missing, and the server then runs them', async () => {
    const install = spawnCli(['deps', 'install', '--app', app, '--', '--offline'])
    expect(await install.exited).toBe(0)
    const { stdout, stderr } = install.output()
    expect(stdout).toContain(`npm install in ${join(app, 'functions')}`)
    expect(existsSync(join(app, 'functions', 'node_modules', 'tiny-id', 'index.js'))).toBe(true)
    // missingPackage.js needs left-pad, which package.json does not list.
    expect(stderr).toContain('function "missingPackage" loads "left-pad", which is not installed')

    const server = spawnCli(['start', '--app', app, '--port', '0'])
    try {
      const url = await server.listening()
      const api = `${url}/api/client/v2.0/app/modules-app-abcde`
      const login = (await (
        await fetch(`${api}/auth/providers/anon-user/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { access_token: string }
      const answer = await fetch(`${api}/functions/call`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${login.access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'importForms', arguments: [] }),
      })
      expect(answer.status).toBe(200)
      expect(await answer.json()).toMatchObject({
        esmDefault: 'hello functions!',
        namedImport: 'abc',
      })
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it('fails with npm’s exit when npm cannot install, and says so', async () => {
    const broken = join(root, 'broken')
    await cp(modulesAppDir, broken, { recursive: true })
    await writeFile(
      join(broken, 'functions', 'package.json'),
      JSON.stringify({ dependencies: { 'no-such-package-here': 'file:./nowhere.tgz' } }),
    )
    const install = spawnCli(['deps', 'install', '--app', broken, '--', '--offline'])
    expect(await install.exited).toBe(1)
    expect(install.output().stderr).toContain('custom-data-server: npm install failed')
  })

  it('without a command or an app folder it is a usage error', async () => {
    const missing = spawnCli(['deps'])
    expect(await missing.exited).toBe(2)
    expect(missing.output().stderr).toContain('missing deps command')
    const noApp = spawnCli(['deps', 'install'])
    expect(await noApp.exited).toBe(2)
    expect(noApp.output().stderr).toContain('--app is required')
  })
})
