import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AppConfig } from './AppConfig'
import { expectObject, optionalString } from './jsonFields'
import { loadCustomUserData } from './loadCustomUserData'
import { loadFunctions } from './loadFunctions'
import { loadProviders } from './loadProviders'
import { loadValues } from './loadValues'
import { AppFolderError, readJsonFile } from './readJsonFile'

/**
 * Loads an App Services app folder (the layout App Services exports): `realm_config.json` or
 * `root_config.json`, `auth/providers.json`, `auth/custom_user_data.json`, `functions/config.json`,
 * `functions/**\/*.js` and `values/*.json`. A malformed file throws an `AppFolderError` naming it.
 */
export const loadAppFolder = async (dir: string): Promise<AppConfig> => {
  const info = await stat(dir).catch(() => undefined)
  if (!info?.isDirectory()) throw new AppFolderError(`App folder ${dir} does not exist.`)

  let configPath = join(dir, 'realm_config.json')
  let raw = await readJsonFile(configPath)
  if (raw === undefined) {
    configPath = join(dir, 'root_config.json')
    raw = await readJsonFile(configPath)
  }
  if (raw === undefined) {
    throw new AppFolderError(`${dir} has neither realm_config.json nor root_config.json.`)
  }
  const root = expectObject(raw, configPath)
  const name = optionalString(root, 'name', configPath)
  const appId = optionalString(root, 'app_id', configPath) ?? name
  if (!appId) throw new AppFolderError(`${configPath} needs an "app_id" (or a "name").`)
  const origins = root.allowed_request_origins
  if (
    origins !== undefined &&
    !(Array.isArray(origins) && origins.every((o) => typeof o === 'string'))
  ) {
    throw new AppFolderError(
      `${configPath}: "allowed_request_origins" must be an array of strings.`,
    )
  }

  return {
    dir,
    appId,
    name: name ?? appId,
    allowedRequestOrigins: origins ?? [],
    providers: await loadProviders(dir),
    customUserData: await loadCustomUserData(dir),
    functions: await loadFunctions(dir),
    values: await loadValues(dir),
  }
}
