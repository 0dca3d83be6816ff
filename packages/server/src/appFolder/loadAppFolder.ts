import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type {
  AppConfig,
  CustomUserDataConfig,
  FunctionDefinition,
  ProviderConfig,
} from './AppConfig'
import { AppFolderError, readJsonFile } from './readJsonFile'

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const expectObject = (value: unknown, path: string): JsonObject => {
  if (!isObject(value)) throw new AppFolderError(`${path} must hold a JSON object.`)
  return value
}

const optionalString = (object: JsonObject, key: string, path: string): string | undefined => {
  const value = object[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new AppFolderError(`${path}: "${key}" must be a string.`)
  return value
}

const loadProviders = async (dir: string): Promise<Record<string, ProviderConfig>> => {
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

const loadCustomUserData = async (dir: string): Promise<CustomUserDataConfig | null> => {
  const path = join(dir, 'auth', 'custom_user_data.json')
  const raw = await readJsonFile(path)
  if (raw === undefined) return null
  const entry = expectObject(raw, path)
  if (entry.enabled === false) return null
  const required = (key: string): string => {
    const value = optionalString(entry, key, path)
    if (!value) throw new AppFolderError(`${path}: "${key}" is required.`)
    return value
  }
  return {
    enabled: true,
    serviceName: optionalString(entry, 'mongo_service_name', path) ?? 'mongodb-atlas',
    databaseName: required('database_name'),
    collectionName: required('collection_name'),
    userIdField: required('user_id_field'),
    onUserCreationFunctionName:
      optionalString(entry, 'on_user_creation_function_name', path) || null,
  }
}

const listFunctionFiles = async (root: string): Promise<string[]> => {
  const found: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.isFile() && entry.name.endsWith('.js')) found.push(path)
    }
  }
  await walk(root)
  return found
}

const loadFunctions = async (dir: string): Promise<Map<string, FunctionDefinition>> => {
  const root = join(dir, 'functions')
  const functions = new Map<string, FunctionDefinition>()
  const exists = await stat(root).then(
    (info) => info.isDirectory(),
    () => false,
  )
  if (!exists) return functions

  const configPath = join(root, 'config.json')
  const rawConfig = (await readJsonFile(configPath)) ?? []
  if (!Array.isArray(rawConfig)) throw new AppFolderError(`${configPath} must hold a JSON array.`)
  const configs = new Map<string, JsonObject>()
  for (const item of rawConfig) {
    const entry = expectObject(item, configPath)
    const name = optionalString(entry, 'name', configPath)
    if (!name) throw new AppFolderError(`${configPath}: every entry needs a "name".`)
    configs.set(name, entry)
  }

  for (const path of await listFunctionFiles(root)) {
    // Function names may contain folders: functions/utils/add.js is "utils/add".
    const name = relative(root, path).slice(0, -'.js'.length).split(sep).join('/')
    const config = configs.get(name) ?? {}
    functions.set(name, {
      name,
      path,
      source: await readFile(path, 'utf8'),
      private: config.private === true,
      runAsSystem: config.run_as_system === true,
      disableArgLogs: config.disable_arg_logs === true,
      canEvaluate: isObject(config.can_evaluate) ? config.can_evaluate : {},
    })
  }
  for (const name of configs.keys()) {
    if (!functions.has(name)) {
      throw new AppFolderError(
        `${configPath} lists "${name}" but functions/${name}.js does not exist.`,
      )
    }
  }
  return functions
}

/**
 * Loads an App Services app folder (the layout App Services exports): `realm_config.json` or
 * `root_config.json`, `auth/providers.json`, `auth/custom_user_data.json`, `functions/config.json`
 * and `functions/**\/*.js`. A malformed file throws an `AppFolderError` naming it.
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
  }
}
