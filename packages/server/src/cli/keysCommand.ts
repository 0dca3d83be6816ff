import { parseArgs } from 'node:util'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { createServerApiKey, listServerApiKeys } from '../auth/apiKeys'
import { createTokenService } from '../auth/createTokenService'
import { generateSigningJwk } from '../auth/signingKeys'
import { systemClock } from '../Clock'
import { createLogger } from '../createLogger'
import { isServiceError } from '../errors/ServiceError'
import { openStore } from '../store/openStore'
import type { Store } from '../store/Store'
import type { CliCommand } from './CliCommand'
import {
  appDirOf,
  exitWithStartupError,
  fail,
  print,
  STORE_OPTIONS,
  STORE_OPTIONS_USAGE,
  storeOptionsOf,
} from './cliSupport'

const OPTIONS = { ...STORE_OPTIONS, name: { type: 'string' } } as const

type KeysValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

const USAGE = `  custom-data-server keys create --name <name> --app <folder> [store options]
  custom-data-server keys list --app <folder> [store options]
  custom-data-server keys delete --name <name> --app <folder> [store options]
  custom-data-server keys rotate-signing --app <folder> [store options]
  custom-data-server keys generate-signing-key

Options of keys:
${STORE_OPTIONS_USAGE}
  --name <name>                  the server API key's name (create, delete)`

/**
 * `custom-data-server keys ...`: server API keys (create, list, delete), rotation of the stored
 * access-token signing key, and a fresh Ed25519 key for `SIGNING_KEY_FILE`. Commands that touch
 * the store open it like `start` does (stop a PGlite server first: the data folder is locked).
 */
const keys = async (subcommand: string | undefined, values: KeysValues): Promise<void> => {
  if (subcommand === 'generate-signing-key') {
    print(JSON.stringify(await generateSigningJwk()))
    return
  }
  if (!['create', 'list', 'delete', 'rotate-signing'].includes(subcommand ?? '')) {
    fail(subcommand ? `unknown keys command "${subcommand}"` : 'missing keys command')
  }
  const appDir = appDirOf(values)
  if ((subcommand === 'create' || subcommand === 'delete') && !values.name)
    fail('--name is required')
  let store: Store
  let providerName = 'api-key'
  try {
    const app = await loadAppFolder(appDir)
    const provider = Object.values(app.providers).find((p) => p.type === 'api-key')
    if (provider) providerName = provider.name
    if (subcommand === 'create' && (!provider || provider.disabled)) {
      process.stderr.write(
        'custom-data-server: warning: the app has no enabled "api-key" provider; the key cannot log in until you add one\n',
      )
    }
    store = await openStore(storeOptionsOf(values), { appId: app.appId })
  } catch (error) {
    return exitWithStartupError(error)
  }
  try {
    switch (subcommand) {
      case 'create': {
        const key = await createServerApiKey(store, systemClock, {
          name: values.name,
          providerName,
        })
        print(JSON.stringify({ id: key._id, name: key.name, key: key.key }))
        process.stderr.write(
          'Keep the key now: it is stored only as a hash and cannot be shown again.\n',
        )
        break
      }
      case 'list':
        for (const key of await listServerApiKeys(store)) {
          print(JSON.stringify({ id: key._id, name: key.name, disabled: key.disabled }))
        }
        break
      case 'delete': {
        const rows = await store.query(
          `DELETE FROM users WHERE type = 'server' AND id IN (SELECT user_id FROM api_keys WHERE name = $1) RETURNING id`,
          [values.name],
        )
        if (rows.length === 0) throw new Error(`no server API key named "${values.name}"`)
        print(`deleted server API key "${values.name}"`)
        break
      }
      case 'rotate-signing': {
        const tokens = await createTokenService({
          store,
          appId: 'cli',
          issuer: 'cli',
          clock: systemClock,
          logger: createLogger('silent'),
        })
        print(JSON.stringify({ kid: await tokens.rotateSigningKey() }))
        process.stderr.write(
          'New tokens are signed with the new key; tokens signed with the old one verify for a day.\n',
        )
        break
      }
    }
  } catch (error) {
    await store.close()
    if (isServiceError(error) || error instanceof Error) fail(error.message)
    throw error
  }
  await store.close()
}

/** `custom-data-server keys ...` */
export const keysCommand: CliCommand = {
  name: 'keys',
  usage: USAGE,
  run: (argv) => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: OPTIONS,
    })
    return keys(positionals[0], values)
  },
}
