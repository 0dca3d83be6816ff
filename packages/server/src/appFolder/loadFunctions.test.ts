import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadFunctions } from './loadFunctions'

let dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
  dirs = []
})

/** An app folder holding these files (objects are written as JSON). */
const appWith = async (files: Record<string, unknown>): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'load-functions-'))
  dirs.push(dir)
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(
      join(dir, path),
      typeof content === 'string' ? content : JSON.stringify(content),
    )
  }
  return dir
}

describe('loadFunctions: the layouts App Services exported', () => {
  it('reads the older layout, functions/<name>/config.json and source.js (realm-js integration tests’ app)', async () => {
    const dir = await appWith({
      'functions/customAuthentication/config.json': {
        id: '5e622d21b55fffe5d410ebe6',
        name: 'customAuthentication',
        private: true,
        run_as_system: true,
      },
      'functions/customAuthentication/source.js': 'exports = async (payload) => payload.id',
      'functions/translate/config.json': { name: 'translate', private: false },
      'functions/translate/source.js': 'exports = (a) => a',
    })
    const warnings: string[] = []
    const functions = await loadFunctions(dir, warnings)
    expect([...functions.keys()].sort()).toEqual(['customAuthentication', 'translate'])
    expect(functions.get('customAuthentication')).toMatchObject({
      private: true,
      runAsSystem: true,
      path: join(dir, 'functions/customAuthentication/source.js'),
    })
    expect(warnings).toEqual([])
  })

  it('finds a function config.json names in a folder of its own choosing, and says where', async () => {
    const dir = await appWith({
      'functions/config.json': [{ name: 'sendEmail', private: true }],
      'functions/email/sendEmail.js': 'exports = () => "sent"',
    })
    const warnings: string[] = []
    const functions = await loadFunctions(dir, warnings)
    expect(functions.get('sendEmail')).toMatchObject({ private: true })
    expect(warnings).toEqual([
      expect.stringContaining('"sendEmail" is functions/email/sendEmail.js'),
    ])
  })

  it('does not take installed packages for functions', async () => {
    const dir = await appWith({
      'functions/config.json': [{ name: 'hello' }],
      'functions/hello.js': 'exports = () => "hi"',
      'functions/node_modules/pkg/index.js': 'module.exports = 1',
      'functions/package.json': { dependencies: { pkg: '1.0.0' } },
    })
    expect([...(await loadFunctions(dir)).keys()]).toEqual(['hello'])
  })

  it('compiles a file with ES imports, and stops the start on an import after other code, naming the line', async () => {
    const ok = await appWith({ 'functions/a.js': "import x from 'x'\nexports = () => x" })
    expect((await loadFunctions(ok)).get('a')).toMatchObject({ modules: ['x'] })
    const late = await appWith({ 'functions/b.js': "exports = () => 1\nimport x from 'x'\n" })
    await expect(loadFunctions(late)).rejects.toThrow(
      /b\.js:2 does not compile: .*ES import declarations must come first/,
    )
  })

  it('a name config.json lists with no file anywhere still stops the start', async () => {
    const dir = await appWith({ 'functions/config.json': [{ name: 'ghost' }] })
    await expect(loadFunctions(dir)).rejects.toThrow(
      'lists "ghost" but functions/ghost.js does not exist',
    )
  })
})
