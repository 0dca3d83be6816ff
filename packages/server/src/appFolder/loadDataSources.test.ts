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
      'functions/config.json': [
        { name: 'always', can_evaluate: { '%%request.remoteIPAddress': { '%in': ['1.2.3.4'] } } },
      ],
    })
    await expect(loadAppFolder(dir)).rejects.toThrow(
      /config\.json \("always"\): can_evaluate cannot be evaluated: the expansion "%%request\.remoteIPAddress" is not supported/,
    )
  })

  it('refuses run_as_user_id and non-boolean settings instead of ignoring them', async () => {
    const runAs = await appFolderVariant(functionsAppDir, {
      'functions/config.json': [{ name: 'always', run_as_user_id: '65a0000000000000000000aa' }],
    })
    await expect(loadAppFolder(runAs)).rejects.toThrow('"run_as_user_id" is not supported yet')
    const loose = await appFolderVariant(functionsAppDir, {
      'functions/config.json': [{ name: 'always', private: 'yes' }],
    })
    await expect(loadAppFolder(loose)).rejects.toThrow('"private" must be true or false')
  })

  it('refuses rules it cannot honour, naming the file', async () => {
    const rulesPath = 'data_sources/mongodb-atlas/app/notes/rules.json'
    const dir = await appFolderVariant(functionsAppDir, {
      [rulesPath]: {
        roles: [{ name: 'owner', apply_when: { ownerId: '%%user.id' }, fields: { x: {} } }],
      },
    })
    await expect(loadAppFolder(dir)).rejects.toThrow(
      `${join(dir, rulesPath)}: role "owner": field-level permissions`,
    )
  })

  it('warns about schemas it does not enforce', async () => {
    const dir = await appFolderVariant(functionsAppDir, {
      'data_sources/mongodb-atlas/app/notes/schema.json': { title: 'note' },
    })
    const app = await loadAppFolder(dir)
    expect(app.warnings).toContainEqual(
      expect.stringContaining('schema.json: schemas and relationships are not enforced'),
    )
  })
})
