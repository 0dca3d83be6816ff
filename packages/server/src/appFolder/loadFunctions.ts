import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { compileFunction } from 'node:vm'
import { compileRuleExpression } from '../collection/ruleExpression'
import type { FunctionDefinition } from './AppConfig'
import { toFunctionBody } from './functionImports'
import { expectObject, optionalFlag, optionalString, type JsonObject } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** A function's source file, and the config found next to it (the older layout). */
interface FunctionFile {
  readonly path: string
  /** The name its place gives it: `functions/utils/add.js` is "utils/add". */
  readonly pathName: string
  /** `functions/<name>/config.json` of the older layout (`<name>/source.js`). */
  readonly config?: JsonObject
  readonly configPath?: string
}

const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  )

/**
 * Every function file under `functions/`, in both layouts App Services exported: `<name>.js` (with
 * `functions/config.json`), and the older `<name>/source.js` with `<name>/config.json`. Installed
 * packages (`node_modules`) and hidden folders are not functions.
 */
const listFunctionFiles = async (root: string): Promise<FunctionFile[]> => {
  const found: FunctionFile[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    const isFolderFunction =
      dir !== root && entries.some((entry) => entry.isFile() && entry.name === 'source.js')
    if (isFolderFunction) {
      const configPath = join(dir, 'config.json')
      const config = await readJsonFile(configPath)
      found.push({
        path: join(dir, 'source.js'),
        pathName: relative(root, dir).split(sep).join('/'),
        ...(config === undefined ? {} : { config: expectObject(config, configPath), configPath }),
      })
      return
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.isFile() && entry.name.endsWith('.js')) {
        found.push({
          path,
          pathName: relative(root, path).slice(0, -'.js'.length).split(sep).join('/'),
        })
      }
    }
  }
  await walk(root)
  return found
}

/**
 * A syntax error in a function file stops the start, naming the file and the line. The check
 * compiles the body in the scope the runtime gives it (worker/callRunner.js): the runtime's
 * helpers outside, Node's module parameters and `context` inside.
 */
export const checkSyntax = (code: string, path: string): void => {
  try {
    compileFunction(
      `return function (exports, module, require, context, __filename, __dirname) {\n${code}\n}`,
      ['__importModule'],
      { filename: path, lineOffset: -1 },
    )
  } catch (error) {
    const line = /:(\d+)\s*$/m.exec(String((error as Error).stack).split('\n')[0] ?? '')?.[1]
    const message = (error as Error).message
    const hint = /import statement outside a module/.test(message)
      ? ': ES import declarations must come first in the file, before any other statement'
      : ''
    throw new AppFolderError(`${path}${line ? `:${line}` : ''} does not compile: ${message}${hint}`)
  }
}

/**
 * Which file is the function a `functions/config.json` entry names: `functions/<name>.js`, the
 * older `functions/<name>/source.js`, or else the one file anywhere below `functions/` whose own
 * name is the function's (exports that kept functions in folders of their own choosing).
 */
const fileFor = (name: string, files: readonly FunctionFile[]): FunctionFile | undefined => {
  const byPath = files.find((file) => file.pathName === name)
  if (byPath) return byPath
  const last = name.split('/').pop() ?? name
  const byName = files.filter((file) =>
    file.config ? file.pathName.split('/').pop() === last : basename(file.path, '.js') === last,
  )
  return byName.length === 1 ? byName[0] : undefined
}

/**
 * Reads `functions/config.json` and every function file, by function name. Each function's
 * source must compile (after its ES `import` lines are made `require` calls) and its
 * `can_evaluate` must be an expression this server evaluates (`{}`, `%%true`, `%%user...`, see
 * `compileRuleExpression`); otherwise the start fails with the file named, rather than run a
 * function whose guard is silently ignored.
 */
export const loadFunctions = async (
  dir: string,
  warnings: string[] = [],
): Promise<Map<string, FunctionDefinition>> => {
  const root = join(dir, 'functions')
  const functions = new Map<string, FunctionDefinition>()
  if (!(await isDirectory(root))) return functions

  const configPath = join(root, 'config.json')
  const rawConfig = (await readJsonFile(configPath)) ?? []
  if (!Array.isArray(rawConfig)) throw new AppFolderError(`${configPath} must hold a JSON array.`)
  const files = await listFunctionFiles(root)

  // Each file gets one name and one config: its entry in functions/config.json, else its own
  // config.json (older layout), else its path.
  const assigned = new Map<FunctionFile, { name: string; config: JsonObject; where: string }>()
  for (const item of rawConfig) {
    const entry = expectObject(item, configPath)
    const name = optionalString(entry, 'name', configPath)
    if (!name) throw new AppFolderError(`${configPath}: every entry needs a "name".`)
    const file = fileFor(name, files)
    if (!file) {
      throw new AppFolderError(
        `${configPath} lists "${name}" but functions/${name}.js does not exist.`,
      )
    }
    if (file.pathName !== name) {
      warnings.push(`${configPath}: "${name}" is ${relative(dir, file.path)}`)
    }
    assigned.set(file, { name, config: entry, where: `${configPath} ("${name}")` })
  }
  for (const file of files) {
    if (assigned.has(file)) continue
    if (file.config && file.configPath) {
      const name = optionalString(file.config, 'name', file.configPath) ?? file.pathName
      assigned.set(file, { name, config: file.config, where: file.configPath })
      continue
    }
    // App Services exports list every function; one that is not listed is easy to miss, and it
    // is public: say so once at start.
    warnings.push(
      `${file.path} has no entry in ${configPath}: it is public (any logged-in user may call it); add { "name": "${file.pathName}", "private": true } there if it should not be`,
    )
    assigned.set(file, {
      name: file.pathName,
      config: {},
      where: `${configPath} ("${file.pathName}")`,
    })
  }

  for (const [file, { name, config, where }] of assigned) {
    if (functions.has(name)) {
      throw new AppFolderError(`${where}: two files define the function "${name}".`)
    }
    let canEvaluate
    try {
      canEvaluate = compileRuleExpression(config.can_evaluate ?? {}, { documentAllowed: false })
    } catch (error) {
      throw new AppFolderError(
        `${where}: can_evaluate cannot be evaluated: ${(error as Error).message}.`,
      )
    }
    const source = await readFile(file.path, 'utf8')
    const { code, modules } = toFunctionBody(source, file.path)
    checkSyntax(code, file.path)
    functions.set(name, {
      name,
      path: file.path,
      source,
      code,
      modules,
      private: optionalFlag(config, 'private', where),
      runAsSystem: optionalFlag(config, 'run_as_system', where),
      disableArgLogs: optionalFlag(config, 'disable_arg_logs', where),
      canEvaluate,
      // Who the function runs as; checked and resolved by loadAppFolder (runAsSettings).
      runAsUserId: optionalString(config, 'run_as_user_id', where) || null,
      runAsUserIdScriptSource:
        optionalString(config, 'run_as_user_id_script_source', where) || null,
    })
  }
  return functions
}
