import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AppConfig } from './AppConfig'
import { expectObject, optionalString } from './jsonFields'
import { loadCustomUserData } from './loadCustomUserData'
import { loadDataSources } from './loadDataSources'
import { loadEnvironment } from './loadEnvironment'
import { loadFunctionDependencies } from './loadFunctionDependencies'
import { loadFunctions } from './loadFunctions'
import { loadProviders } from './loadProviders'
import { loadValues } from './loadValues'
import { AppFolderError, readJsonFile } from './readJsonFile'
import { unsupportedFeatures } from './unsupportedFeatures'

/** How to load an app folder. */
export interface LoadAppFolderOptions {
  /**
   * The environment whose `environments/<tag>.json` values fill `%(%%environment.values.x)`
   * references. Default: `APP_ENVIRONMENT`, else the config's `environment`, else none.
   */
  readonly environment?: string
}

/**
 * Loads an App Services app folder (the layout App Services exports): `realm_config.json` or
 * `root_config.json`, `auth/providers.json`, `auth/custom_user_data.json`, `functions/config.json`,
 * `functions/**\/*.js`, `values/*.json` and `environments/<tag>.json`. A malformed file throws an
 * `AppFolderError` naming it; parts we do not support (sync, triggers, GraphQL...) become warnings.
 */
export const loadAppFolder = async (
  dir: string,
  options: LoadAppFolderOptions = {},
): Promise<AppConfig> => {
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

  const environment = await loadEnvironment(
    dir,
    options.environment ??
      process.env.APP_ENVIRONMENT ??
      optionalString(root, 'environment', configPath) ??
      '',
  )
  const warnings = await unsupportedFeatures(dir)
  return {
    dir,
    appId,
    name: name ?? appId,
    allowedRequestOrigins: origins ?? [],
    providers: await loadProviders(dir, { warnings, environment }),
    customUserData: await loadCustomUserData(dir, environment),
    functions: await loadFunctions(dir, warnings),
    functionDependencies: await loadFunctionDependencies(dir, warnings),
    values: await loadValues(dir),
    dataSources: await loadDataSources(dir, warnings),
    environment,
    warnings,
  }
}
