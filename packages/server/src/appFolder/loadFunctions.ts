import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { FunctionDefinition } from './AppConfig'
import { expectObject, isObject, optionalString, type JsonObject } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

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

/** Reads `functions/config.json` and every `functions/**\/*.js`, by function name. */
export const loadFunctions = async (dir: string): Promise<Map<string, FunctionDefinition>> => {
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
