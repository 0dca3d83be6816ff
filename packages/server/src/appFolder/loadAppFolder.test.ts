import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { basicAppDir } from '../testUtils'
import { loadAppFolder } from './loadAppFolder'

const appFolder = async (files: Record<string, string>): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'app-folder-'))
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), text)
  }
  return dir
}

describe('loadAppFolder', () => {
  it('loads the App Services layout: config, providers, custom user data, functions in folders', async () => {
    const app = await loadAppFolder(basicAppDir)
    expect(app.appId).toBe('basic-app-abcde')
    expect(app.providers['anon-user']).toMatchObject({ type: 'anon-user', disabled: false })
    expect(app.customUserData).toMatchObject({
      databaseName: 'app',
      collectionName: 'users',
      userIdField: 'user_id',
    })
    expect([...app.functions.keys()].sort()).toEqual(['echo', 'fail', 'setMyData', 'utils/secret'])
    expect(app.functions.get('utils/secret')?.private).toBe(true)
    expect(app.values.get('greeting')).toEqual({
      name: 'greeting',
      value: 'hello',
      fromSecret: false,
    })
  })

  it('refuses two enabled providers of one type: one issuer’s "sub" would log in as another’s user', async () => {
    const customToken = (name: string, key: string) => ({
      name,
      type: 'custom-token',
      config: { signingAlgorithm: 'HS256' },
      secret_config: { signingKeys: [key] },
    })
    const twins = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'auth/providers.json': JSON.stringify({
        'custom-token': customToken('custom-token', 'first'),
        'partner-token': customToken('partner-token', 'second'),
      }),
    })
    await expect(loadAppFolder(twins)).rejects.toThrow(
      '"custom-token" and "partner-token" are both enabled providers of type "custom-token"',
    )
    // A disabled twin is fine: it lets nobody in.
    const disabled = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'auth/providers.json': JSON.stringify({
        'custom-token': customToken('custom-token', 'first'),
        'partner-token': { ...customToken('partner-token', 'second'), disabled: true },
      }),
    })
    expect((await loadAppFolder(disabled)).providers['partner-token']?.disabled).toBe(true)
  })

  it('reads root_config.json when there is no realm_config.json', async () => {
    const dir = await appFolder({ 'root_config.json': '{"app_id":"old-app-xyz"}' })
    expect((await loadAppFolder(dir)).appId).toBe('old-app-xyz')
  })

  it('fails with the path and the parse error of a malformed file', async () => {
    const dir = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'auth/custom_user_data.json': '{"enabled": true,',
    })
    await expect(loadAppFolder(dir)).rejects.toThrow(
      new RegExp(`${join(dir, 'auth', 'custom_user_data.json')} is not valid JSON`),
    )
  })

  it('warns once about a function that functions/config.json does not list (it is public)', async () => {
    const dir = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'functions/config.json': '[{"name":"listed","private":true}]',
      'functions/listed.js': 'exports = () => 1',
      'functions/forgotten.js': 'exports = () => 2',
    })
    const app = await loadAppFolder(dir)
    expect(app.functions.get('forgotten')?.private).toBe(false)
    expect(app.warnings.filter((warning) => warning.includes('forgotten.js'))).toEqual([
      expect.stringContaining('it is public'),
    ])
    expect(app.warnings.some((warning) => warning.includes('listed.js'))).toBe(false)
  })

  it('names what is missing', async () => {
    await expect(loadAppFolder('/nonexistent/app')).rejects.toThrow(
      'App folder /nonexistent/app does not exist.',
    )
    const empty = await appFolder({ 'README.md': 'x' })
    await expect(loadAppFolder(empty)).rejects.toThrow(
      'has neither realm_config.json nor root_config.json',
    )
    const orphan = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'functions/config.json': '[{"name":"ghost"}]',
    })
    await expect(loadAppFolder(orphan)).rejects.toThrow(
      'lists "ghost" but functions/ghost.js does not exist',
    )
  })

  it('fills %(%%environment.values.x) references from environments/<tag>.json, and names a missing one', async () => {
    const dir = await appFolder({
      'realm_config.json': '{"app_id":"env-app","environment":"production"}',
      'environments/production.json':
        '{"values":{"confirmUrl":"https://prod.example.com/confirm","auto":true}}',
      'auth/providers.json': JSON.stringify({
        'local-userpass': {
          name: 'local-userpass',
          type: 'local-userpass',
          config: {
            emailConfirmationUrl: '%(%%environment.values.confirmUrl)',
            resetPasswordUrl: '%(%%environment.values.confirmUrl)?reset=1',
            autoConfirm: '%(%%environment.values.auto)',
          },
        },
      }),
    })
    const app = await loadAppFolder(dir)
    expect(app.environment).toEqual({
      tag: 'production',
      values: { confirmUrl: 'https://prod.example.com/confirm', auto: true },
    })
    expect(app.providers['local-userpass']?.config).toEqual({
      emailConfirmationUrl: 'https://prod.example.com/confirm',
      resetPasswordUrl: 'https://prod.example.com/confirm?reset=1',
      autoConfirm: true,
    })
    await expect(loadAppFolder(dir, { environment: 'development' })).rejects.toThrow(
      'refers to %%environment.values.confirmUrl, which environments/development.json does not define',
    )
    await expect(loadAppFolder(dir, { environment: 'staging' })).rejects.toThrow(
      'unknown environment "staging"',
    )
  })

  it('sums up each part it does not run once, and keeps unsupported providers disabled', async () => {
    const dir = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'sync/config.json': '{"type":"flexible","state":"enabled"}',
      'graphql/config.json': '{"use_natural_pluralization":true}',
      'graphql/custom_resolvers/r.json': '{}',
      'hosting/config.json': '{"enabled":true}',
      'log_forwarders/l.json': '{"name":"l"}',
      'services/twilio/config.json': '{"name":"twilio","type":"twilio"}',
      'auth/providers.json': JSON.stringify({
        'oauth2-twitter': { name: 'oauth2-twitter', type: 'oauth2-twitter' },
        'api-key': { name: 'api-key', type: 'api-key', disabled: true },
      }),
    })
    const app = await loadAppFolder(dir)
    expect(app.ignored.map(({ feature, where, count }) => [feature, where, count])).toEqual([
      ['Device Sync', 'sync/config.json', 1],
      ['GraphQL custom resolvers', 'graphql/custom_resolvers/', 1],
      ['static hosting', 'hosting/', 1],
      ['third-party services (legacy)', 'services/', 1],
      ['log forwarders', 'log_forwarders/', 1],
    ])
    expect(app.warnings.filter((warning) => warning.includes('oauth2-twitter'))).toHaveLength(1)
    expect(app.providers['oauth2-twitter']?.disabled).toBe(true)
    expect(app.providers['api-key']?.disabled).toBe(true)
  })

  it('does not report parts present but empty or disabled', async () => {
    const dir = await appFolder({
      'realm_config.json': '{"app_id":"a"}',
      'sync/config.json': '{"type":"flexible","state":"disabled"}',
      'graphql/config.json': '{"use_natural_pluralization":true}',
      'hosting/config.json': '{"enabled":false}',
      'http_endpoints/config.json': '[]',
      'https_endpoints/config.json': '[]',
      'https_endpoints/data_api_config.json': '{"disabled":true}',
      'log_forwarders/l.json': '{"name":"l","disabled":true}',
    })
    const app = await loadAppFolder(dir)
    expect(app.ignored).toEqual([])
    expect(app.warnings).toEqual([])
  })

  it('reads custom-token settings: secret_config and metadata_fields', async () => {
    const { authAppDir } = await import('../testUtils')
    const app = await loadAppFolder(authAppDir)
    expect(app.providers['custom-token']).toMatchObject({
      secretConfig: { signingKeys: ['jwtSigningKey'] },
      metadataFields: [
        { name: 'email', fieldName: 'email', required: true },
        { name: 'profile.displayName', fieldName: 'name', required: false },
      ],
    })
    expect(app.customUserData?.onUserCreationFunctionName).toBe('onUserCreated')
  })
})
