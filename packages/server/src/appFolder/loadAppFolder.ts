import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AppConfig, FunctionDefinition } from './AppConfig'
import { appIdsOf } from './appIdsOf'
import { ignoredFeatures } from './ignoredFeatures'
import { expectObject, optionalString } from './jsonFields'
import { loadCustomUserData } from './loadCustomUserData'
import { loadDataSources } from './loadDataSources'
import { loadEndpoints, scriptFunction } from './loadEndpoints'
import { loadEnvironment } from './loadEnvironment'
import { loadFunctionDependencies } from './loadFunctionDependencies'
import { loadFunctions } from './loadFunctions'
import { loadProviders } from './loadProviders'
import { createLoadReport, loadPart, type LoadReport } from './LoadReport'
import { loadTriggers } from './loadTriggers'
import { loadValues } from './loadValues'
import { parseCron } from '../triggers/parseCron'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** How to load an app folder. */
export interface LoadAppFolderOptions {
  /**
   * The environment whose `environments/<tag>.json` values fill `%(%%environment.values.x)`
   * references. Default: `APP_ENVIRONMENT`, else the config's `environment`, else none.
   */
  readonly environment?: string
  /**
   * The client App ID to answer to (`--app-id`). The folder's own App ID keeps working beside
   * it, so clients built with either reach the server.
   */
  readonly appId?: string
}

/** An app folder loaded for `check`: what would run, and every problem that would stop it. */
export interface AppFolderCheck {
  /** Null when not even the root config could be read. */
  readonly app: AppConfig | null
  readonly problems: readonly string[]
}

/**
 * Settles who each function runs as: `run_as_system` wins over the other two (as on App
 * Services), which exclude each other; a `run_as_user_id_script_source` becomes a private function.
 */
const runAsSettings = (
  functions: ReadonlyMap<string, FunctionDefinition>,
  report: LoadReport,
): FunctionDefinition[] => {
  const scripts: FunctionDefinition[] = []
  for (const fn of functions.values()) {
    if (fn.runAsSystem) {
      if (!fn.private) {
        report.warnings.push(
          `${fn.path} runs as system and clients may call it: it bypasses every rule for every user; make it private and call it from an application-auth function`,
        )
      }
      continue
    }
    if (fn.runAsUserId && fn.runAsUserIdScriptSource) {
      throw new AppFolderError(
        `functions/config.json ("${fn.name}"): "run_as_user_id" and "run_as_user_id_script_source" cannot be used together.`,
      )
    }
    if (fn.runAsUserId) {
      report.warnings.push(
        `${fn.path} runs as user "${fn.runAsUserId}" (run_as_user_id): App Services user ids do not carry over, so create that user here or change the id`,
      )
    }
    if (fn.runAsUserIdScriptSource) {
      const where = `functions/config.json ("${fn.name}") run_as_user_id_script_source`
      scripts.push(scriptFunction(fn.name, fn.runAsUserIdScriptSource, { path: fn.path, where }))
    }
  }
  return scripts
}

/** Adds functions the folder brings beside `functions/` (webhooks, scripts), refusing clashes. */
const withExtraFunctions = (
  functions: ReadonlyMap<string, FunctionDefinition>,
  extra: readonly FunctionDefinition[],
): Map<string, FunctionDefinition> => {
  const all = new Map(functions)
  for (const fn of extra) {
    if (all.has(fn.name)) {
      throw new AppFolderError(`${fn.path}: a function named "${fn.name}" exists already.`)
    }
    all.set(fn.name, fn)
  }
  return all
}

/** Refuses a scheduled trigger whose cron expression cannot run. */
const checkSchedule = (schedule: string, where: string): void => {
  try {
    parseCron(schedule)
  } catch (error) {
    throw new AppFolderError(`${where}: ${(error as Error).message}.`)
  }
}

const load = async (
  dir: string,
  options: LoadAppFolderOptions,
  report: LoadReport,
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
  const ids = await appIdsOf({ dir, root, configPath, override: options.appId })
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
  report.ignored.push(...(await ignoredFeatures(dir)))
  const { warnings } = report
  const providers = await loadPart(report, () => loadProviders(dir, { warnings, environment }), {})
  const customUserData = await loadPart(report, () => loadCustomUserData(dir, environment), null)
  const ownFunctions = await loadPart(report, () => loadFunctions(dir, warnings), new Map())
  const scripts = await loadPart(report, () => runAsSettings(ownFunctions, report), [])
  const loaded = await loadEndpoints(dir, ownFunctions, report)
  const functions = await loadPart(
    report,
    () => withExtraFunctions(ownFunctions, [...scripts, ...loaded.functions]),
    ownFunctions,
  )
  return {
    dir,
    appId: ids.appId,
    appIdAliases: ids.aliases,
    name: name ?? ids.appId,
    allowedRequestOrigins: origins ?? [],
    providers,
    customUserData,
    functions,
    functionDependencies: await loadPart(
      report,
      () => loadFunctionDependencies(dir, warnings),
      undefined,
    ),
    values: await loadPart(report, () => loadValues(dir), new Map()),
    dataSources: await loadDataSources(dir, report),
    environment,
    endpoints: loaded.endpoints,
    triggers: await loadPart(report, () => loadTriggers(dir, functions, checkSchedule), []),
    ignored: report.ignored,
    warnings,
  }
}

/**
 * Loads an App Services app folder (the layout App Services exports): `realm_config.json` or
 * `root_config.json` (and `.mdb/meta.json`), `auth/providers.json`, `auth/custom_user_data.json`,
 * `functions/`, `values/`, `environments/`, `data_sources/`, `https_endpoints/`,
 * `http_endpoints/` and `triggers/`. A malformed file, or a rule or guard this server cannot evaluate, throws an
 * `AppFolderError` naming it; parts it does not run (sync, GraphQL...) are summed up in `ignored`.
 */
export const loadAppFolder = (
  dir: string,
  options: LoadAppFolderOptions = {},
): Promise<AppConfig> => load(dir, options, createLoadReport())

/**
 * Loads an app folder the way `custom-data-server check` reports it: every problem that would
 * stop the start is collected (each part found faulty is left out) instead of the first thrown.
 */
export const checkAppFolder = async (
  dir: string,
  options: LoadAppFolderOptions = {},
): Promise<AppFolderCheck> => {
  const report = createLoadReport(true)
  try {
    const app = await load(dir, options, report)
    return { app, problems: report.problems ?? [] }
  } catch (error) {
    if (!(error instanceof AppFolderError)) throw error
    return { app: null, problems: [...(report.problems ?? []), error.message] }
  }
}
