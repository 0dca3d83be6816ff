import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAppFolder } from './loadAppFolder'

const folder = async (files: Record<string, unknown>): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'app-ids-'))
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), JSON.stringify(content))
  }
  return dir
}

describe('the client App ID of an app folder', () => {
  it('is realm_config.json’s app_id, whatever .mdb/meta.json says', async () => {
    const dir = await folder({
      'realm_config.json': { app_id: 'configured-abcde', name: 'configured' },
      '.mdb/meta.json': { client_app_id: 'recorded-xyz', app_id: '65000000000000000000aaaa' },
    })
    const app = await loadAppFolder(dir)
    expect([app.appId, app.appIdAliases]).toEqual(['configured-abcde', []])
  })

  it('is .mdb/meta.json’s client_app_id when the config has none (the name still answers)', async () => {
    const dir = await folder({
      'root_config.json': { name: 'old-app' },
      '.mdb/meta.json': { client_app_id: 'old-app-xyzzy', app_id: '65000000000000000000aaaa' },
    })
    const app = await loadAppFolder(dir)
    expect([app.appId, app.appIdAliases]).toEqual(['old-app-xyzzy', ['old-app']])
  })

  it('is the name without either, and --app-id sets it, keeping the folder’s own as an alias', async () => {
    const dir = await folder({ 'root_config.json': { name: 'plain' } })
    expect((await loadAppFolder(dir)).appId).toBe('plain')
    const renamed = await loadAppFolder(dir, { appId: 'new-id' })
    expect([renamed.appId, renamed.appIdAliases]).toEqual(['new-id', ['plain']])
    await expect(loadAppFolder(dir, { appId: 'no spaces/please' })).rejects.toThrow(
      'may only hold letters, digits',
    )
    const nameless = await folder({ 'root_config.json': {} })
    await expect(loadAppFolder(nameless)).rejects.toThrow('needs an "app_id"')
    expect((await loadAppFolder(nameless, { appId: 'given' })).appId).toBe('given')
  })
})
