import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { appFolderVariant } from '../testUtils'
import { loadAppFolder } from './loadAppFolder'

const functionsAppDir = fileURLToPath(new URL('../../fixtures/functions-app', import.meta.url))

describe('loading functions and data sources', () => {
  it('loads function settings, compiled can_evaluate, and the rules of each collection', async () => {
    const app = await loadAppFolder(functionsAppDir)
    expect(app.functions.get('utils/readAny')).toMatchObject({ private: true, runAsSystem: true })
    expect(app.functions.get('secretArgs')).toMatchObject({ disableArgLogs: true })
    expect(app.functions.get('adminOnly')?.canEvaluate.usesDocument).toBe(false)
    const source = app.dataSources.get('mongodb-atlas')
    expect([...(source?.collections.keys() ?? [])]).toEqual(['app.notes'])
    expect(source?.collections.get('app.notes')?.roles.map((role) => role.name)).toEqual([
      'owner',
      'reader',
    ])
  })

  it('refuses to start on a can_evaluate it cannot evaluate, naming the function', async () => {
    const dir = await appFolderVariant(functionsAppDir, {
      'functions/config.json': [{ name: 'always', can_evaluate: { '%%args.from': 'x' } }],
    })
    await expect(loadAppFolder(dir)).rejects.toThrow(
      /config\.json \("always"\): can_evaluate cannot be evaluated: the expansion "%%args\.from" exists only in rules of third-party services/,
    )
  })

  it('reads run_as_user_id and run_as_user_id_script_source, and refuses both together or non-boolean settings', async () => {
    const runAs = await appFolderVariant(functionsAppDir, {
      'functions/config.json': [
        { name: 'always', run_as_user_id: '65a0000000000000000000aa' },
        {
          name: 'fail',
          run_as_user_id_script_source: 'exports = () => "65a0000000000000000000aa"',
        },
      ],
    })
    const app = await loadAppFolder(runAs)
    expect(app.functions.get('always')?.runAsUserId).toBe('65a0000000000000000000aa')
    // The script becomes a private function the server calls.
    expect(app.functions.get('fail (run_as_user_id_script_source)')).toMatchObject({
      private: true,
      runAsSystem: true,
    })
    expect(app.warnings).toContainEqual(
      expect.stringContaining('App Services user ids do not carry over'),
    )
    const both = await appFolderVariant(functionsAppDir, {
      'functions/config.json': [
        {
          name: 'always',
          run_as_user_id: 'x',
          run_as_user_id_script_source: 'exports = () => "x"',
        },
      ],
    })
    await expect(loadAppFolder(both)).rejects.toThrow('cannot be used together')
    const loose = await appFolderVariant(functionsAppDir, {
      'functions/config.json': [{ name: 'always', private: 'yes' }],
    })
    await expect(loadAppFolder(loose)).rejects.toThrow('"private" must be true or false')
  })

  it('refuses rules it cannot honour, naming the file, the role and the place', async () => {
    const rulesPath = 'data_sources/mongodb-atlas/app/notes/rules.json'
    const dir = await appFolderVariant(functionsAppDir, {
      [rulesPath]: {
        roles: [
          {
            name: 'owner',
            apply_when: { ownerId: '%%user.id' },
            fields: { x: { read: { '%%args.x': 1 } } },
          },
        ],
      },
    })
    await expect(loadAppFolder(dir)).rejects.toThrow(
      `${join(dir, rulesPath)}: role "owner" fields.x.read: the expansion "%%args.x"`,
    )
  })

  it('sums up schemas it does not enforce in one line with a count', async () => {
    const dir = await appFolderVariant(functionsAppDir, {
      'data_sources/mongodb-atlas/app/notes/schema.json': { title: 'note' },
      'data_sources/mongodb-atlas/app/notes/relationships.json': {},
    })
    const app = await loadAppFolder(dir)
    expect(app.ignored).toContainEqual(
      expect.objectContaining({ feature: 'schemas and relationships', count: 2 }),
    )
    expect(app.warnings.some((warning) => warning.includes('schema'))).toBe(false)
  })
})
