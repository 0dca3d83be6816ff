import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { spawnCli } from '../testing/spawnCli'
import { appFolderVariant } from '../testUtils'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url))

describe('custom-data-server check', () => {
  it('reports what a folder with every unsupported feature would run and ignore, without starting (exit 0)', async () => {
    const check = spawnCli(['check', '--app', fixture('unsupported-app')])
    expect(await check.exited).toBe(0)
    const { stdout } = check.output()
    expect(stdout).toContain('client App ID: unsupported-app-abcde')
    // What runs.
    expect(stdout).toMatch(
      /auth providers\s+anon-user \(disabled: oauth2-google, oauth2-apple, custom-token, oauth2-twitter, oauth2-github\)/,
    )
    expect(stdout).toMatch(/collection rules\s+mongodb-atlas: shop\.carts, shop\.orders/)
    // Triggers run (triggers/).
    expect(stdout).toMatch(/triggers\s+nightly: DATABASE -> noop/)
    expect(stdout).toContain('off: SCHEDULED -> noop (disabled)')
    // Each unsupported part once, with where and how many.
    const ignored = stdout.slice(stdout.indexOf('Not run (ignored):'), stdout.indexOf('Warnings:'))
    for (const line of [
      'Device Sync (sync/config.json)',
      'GraphQL custom resolvers (graphql/custom_resolvers/)',
      'static hosting (2 in hosting/)',
      'third-party services (legacy) (services/)',
      'log forwarders (log_forwarders/)',
      'Data API (generated endpoints) (https_endpoints/data_api_config.json)',
      'HTTP service actions (http_endpoints/http/rules/)',
      'webhooks of third-party services (http_endpoints/): github (github)',
      'data sources of type "datalake" (data_sources/mongodb-datafederation/)',
      'schemas and relationships (6 in data_sources/)',
    ]) {
      expect(ignored).toContain(line)
    }
    expect(ignored.trim().split('\n')).toHaveLength(11)
    expect(ignored).not.toContain('triggers')
    // Warnings alike for many files are one line with a count.
    const warnings = stdout.slice(stdout.indexOf('Warnings:'))
    expect(warnings).toContain(
      'functions/utils/adminA.js runs as system and clients may call it: it bypasses every rule for every user; make it private and call it from an application-auth function (and 2 more like it: functions/utils/adminB.js, functions/utils/adminC.js)',
    )
    expect(warnings).toContain('(and 1 more like it: "oauth2-github")')
    expect(warnings).toContain('(and 1 more like it: functions/forgotten.js)')
    expect(warnings).toContain(
      'shop/carts/rules.json: no roles, and no default roles to fall back to',
    )
    expect(warnings).toContain(
      '3 secrets without a value: googleClientSecret (oauth2-google provider "oauth2-google" disabled); appleClientSecret (oauth2-apple provider "oauth2-apple" disabled); jwtKey (custom-token provider "custom-token" disabled). Set SECRET_GOOGLECLIENTSECRET, SECRET_APPLECLIENTSECRET, SECRET_JWTKEY',
    )
    expect(stdout.trim().endsWith('would start')).toBe(true)
  })

  it('names every problem that would stop the start, not only the first (exit 1)', async () => {
    const dir = await appFolderVariant(fixture('unsupported-app'), {
      'data_sources/mongodb-atlas/shop/orders/rules.json': {
        roles: [{ name: 'r', apply_when: { '%%args.x': 1 } }],
      },
      'data_sources/mongodb-atlas/shop/items/rules.json': '{ not json',
      'https_endpoints/config.json': [
        { route: '/x', http_method: 'GET', function_name: 'missing' },
      ],
    })
    const check = spawnCli(['check', '--app', dir], { SECRET_JWTKEY: 'too short' })
    expect(await check.exited).toBe(1)
    const { stdout } = check.output()
    const refused = stdout.slice(stdout.indexOf('Refused: the server would not start:'))
    expect(refused).toContain(
      'shop/orders/rules.json: role "r" apply_when: the expansion "%%args.x"',
    )
    expect(refused).toContain('shop/items/rules.json is not valid JSON')
    expect(refused).toContain('"function_name" must name a function of functions/ (got "missing")')
    expect(refused).toContain('an HS256 signing key must be at least 32 bytes')
    expect(stdout).toContain('would not start: 4 problems')
    // What still loaded is still reported.
    expect(stdout).toContain('Device Sync (sync/config.json)')
  })

  it('with --strict-secrets, names every missing secret in one problem', async () => {
    const check = spawnCli(['check', '--app', fixture('endpoints-app'), '--strict-secrets'])
    expect(await check.exited).toBe(1)
    expect(check.output().stdout).toContain(
      '3 secrets without a value: endpointsJwtKey (custom-token provider "custom-token"); endpointSecret (endpoint POST /secret/query, endpoint POST /secret/signed); neverSetSecret (endpoint POST /secret/unset). Set SECRET_ENDPOINTSJWTKEY, SECRET_ENDPOINTSECRET, SECRET_NEVERSETSECRET',
    )
  })

  it('reports the client App ID of an older export (.mdb/meta.json) and --app-id', async () => {
    const check = spawnCli(['check', '--app', fixture('legacy-app'), '--app-id', 'renamed-app'])
    expect(await check.exited).toBe(0)
    expect(check.output().stdout).toContain(
      'client App ID: renamed-app (also answers to legacy-app-xyzzy, legacy-app)',
    )
  })
})
