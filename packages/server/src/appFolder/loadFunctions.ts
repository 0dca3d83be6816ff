import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { compileFunction } from 'node:vm'
import { compileRuleExpression } from '../collection/ruleExpression'
import type { FunctionDefinition } from './AppConfig'
import { expectObject, optionalString, type JsonObject } from './jsonFields'
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

const flag = (entry: JsonObject, key: string, where: string): boolean => {
  const value = entry[key]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean')
    throw new AppFolderError(`${where}: "${key}" must be true or false.`)
  return value
}

/** A syntax error in a function file stops the start, naming the file and the line. */
const checkSyntax = (source: string, path: string): void => {
  try {
    compileFunction(source, ['exports', 'module', 'context'], { filename: path })
  } catch (error) {
    const line = /:(\d+)\s*$/m.exec(String((error as Error).stack).split('\n')[0] ?? '')?.[1]
    throw new AppFolderError(
      `${path}${line ? `:${line}` : ''} does not compile: ${(error as Error).message}`,
    )
  }
}

/**
 * Reads `functions/config.json` and every `functions/**\/*.js`, by function name. Each function's
 * source must compile and its `can_evaluate` must be an expression this server evaluates (`{}`,
 * `%%true`, `%%user...`, see `compileRuleExpression`); otherwise the start fails with the file
 * named, rather than run a function whose guard is silently ignored.
 */
export const loadFunctions = async (
  dir: string,
  warnings: string[] = [],
): Promise<Map<string, FunctionDefinition>> => {
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
    // App Services exports list every function; one that is not listed is easy to miss, and it is
    // public: say so once at start.
    if (!configs.has(name)) {
      warnings.push(
        `${path} has no entry in ${configPath}: it is public (any logged-in user may call it); add { "name": "${name}", "private": true } there if it should not be`,
      )
    }
    const where = `${configPath} ("${name}")`
    let canEvaluate
    try {
      canEvaluate = compileRuleExpression(config.can_evaluate ?? {}, { documentAllowed: false })
    } catch (error) {
      throw new AppFolderError(
        `${where}: can_evaluate cannot be evaluated: ${(error as Error).message}.`,
      )
    }
    const source = await readFile(path, 'utf8')
    checkSyntax(source, path)
    functions.set(name, {
      name,
      path,
      source,
      private: flag(config, 'private', where),
      runAsSystem: flag(config, 'run_as_system', where),
      disableArgLogs: flag(config, 'disable_arg_logs', where),
      canEvaluate,
      // Who the function runs as; checked and resolved by loadAppFolder (runAsSettings).
      runAsUserId: optionalString(config, 'run_as_user_id', where) || null,
      runAsUserIdScriptSource:
        optionalString(config, 'run_as_user_id_script_source', where) || null,
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
