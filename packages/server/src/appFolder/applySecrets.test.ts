import { describe, expect, it } from 'vitest'
import { createServer } from '../createServer'
import { createLogger } from '../createLogger'
import { pgliteTestStore } from '../testing/testStores'
import { authAppDir, createCapturingLogger } from '../testUtils'
import { applySecrets } from './applySecrets'
import { loadAppFolder } from './loadAppFolder'

describe('secrets the app needs', () => {
  it('disables what lacks one and names all in one warning; a value without one reads as undefined', async () => {
    const app = await loadAppFolder(authAppDir)
    const withValue = {
      ...app,
      values: new Map([
        ['stripeKey', { name: 'stripeKey', value: 'stripe', fromSecret: true }],
        ['plain', { name: 'plain', value: 1, fromSecret: false }],
      ]),
    }
    const { app: served, missing } = applySecrets(withValue, () => undefined, { strict: false })
    expect(missing.map((use) => use.secret)).toEqual(['jwtSigningKey', 'stripe'])
    expect(served.providers['custom-token']?.disabled).toBe(true)
    expect(served.providers['local-userpass']?.disabled).toBe(false)
    expect(served.warnings.at(-1)).toBe(
      '2 secrets without a value: jwtSigningKey (custom-token provider "custom-token" disabled); stripe (value "stripeKey" reads as undefined). Set SECRET_JWTSIGNINGKEY, SECRET_STRIPE (or pass createServer({ secrets })). Start with --strict-secrets to refuse to start instead.',
    )
    // With every secret set, nothing changes.
    const all = applySecrets(withValue, () => 'a-secret-value', { strict: true })
    expect(all.app).toBe(withValue)
  })

  it('refuses to start with strictSecrets, naming every missing secret at once', async () => {
    const app = await loadAppFolder(authAppDir)
    const store = await pgliteTestStore.open()
    try {
      await expect(
        createServer({ app, store, logger: createLogger('silent'), strictSecrets: true }),
      ).rejects.toThrow(
        '1 secret without a value: jwtSigningKey (custom-token provider "custom-token"). Set SECRET_JWTSIGNINGKEY',
      )
      // Without it the server starts, the provider disabled, with that one warning.
      const logs = createCapturingLogger('warn')
      const server = await createServer({ app, store, logger: logs.logger })
      expect(server.context.app.providers['custom-token']?.disabled).toBe(true)
      expect(logs.lines.filter((line) => String(line.msg).includes('jwtSigningKey'))).toHaveLength(
        1,
      )
      await server.close()
    } finally {
      await store.close()
    }
  })
})
