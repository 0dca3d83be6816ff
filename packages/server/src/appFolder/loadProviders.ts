import { join } from 'node:path'
import type { ProviderConfig } from './AppConfig'
import { expectObject, isObject, optionalString } from './jsonFields'
import { readJsonFile } from './readJsonFile'

/** Reads `auth/providers.json`: the auth providers by name. */
export const loadProviders = async (dir: string): Promise<Record<string, ProviderConfig>> => {
  const path = join(dir, 'auth', 'providers.json')
  const raw = await readJsonFile(path)
  // An app folder without auth/providers.json still lets users in anonymously, as a new
  // App Services app did; the foundation needs no other provider.
  if (raw === undefined) {
    return { 'anon-user': { name: 'anon-user', type: 'anon-user', disabled: false, config: {} } }
  }
  const providers: Record<string, ProviderConfig> = {}
  for (const [name, value] of Object.entries(expectObject(raw, path))) {
    const entry = expectObject(value, `${path} ("${name}")`)
    providers[name] = {
      name: optionalString(entry, 'name', path) ?? name,
      type: optionalString(entry, 'type', path) ?? name,
      disabled: entry.disabled === true,
      config: isObject(entry.config) ? entry.config : {},
    }
  }
  return providers
}
