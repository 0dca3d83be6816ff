import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  compileCollectionRules,
  type CollectionRules,
  type DataSource,
} from '../collection/CollectionRules'
import { expectObject, optionalString } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

const subfolders = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()

/** Compiles the rules read from `path`; a rule this server cannot evaluate names the file. */
const compileRules = (raw: unknown, path: string): CollectionRules => {
  try {
    return compileCollectionRules(raw)
  } catch (error) {
    throw new AppFolderError(`${path}: ${(error as Error).message}`)
  }
}

/**
 * Reads `data_sources/<service>/`: `config.json` (the service's name and type),
 * `default_rule.json`, and `<db>/<coll>/rules.json`, compiling every rule expression now so
 * that one this server cannot evaluate stops the start instead of being ignored. Schemas and
 * relationships are not enforced; each gets a warning.
 */
export const loadDataSources = async (
  dir: string,
  warnings: string[],
): Promise<Map<string, DataSource>> => {
  const root = join(dir, 'data_sources')
  const sources = new Map<string, DataSource>()
  for (const folder of await subfolders(root)) {
    const base = join(root, folder)
    const configPath = join(base, 'config.json')
    const rawConfig = await readJsonFile(configPath)
    const config = rawConfig === undefined ? {} : expectObject(rawConfig, configPath)
    const type = optionalString(config, 'type', configPath) ?? 'mongodb-atlas'
    const name = optionalString(config, 'name', configPath) ?? folder
    if (type !== 'mongodb-atlas') {
      warnings.push(`${base}: data sources of type "${type}" are not supported (ignored)`)
      continue
    }
    const collections = new Map<string, CollectionRules>()
    for (const db of await subfolders(base)) {
      for (const coll of await subfolders(join(base, db))) {
        const collDir = join(base, db, coll)
        const rulesPath = join(collDir, 'rules.json')
        const raw = await readJsonFile(rulesPath)
        if (raw !== undefined) {
          const entry = expectObject(raw, rulesPath)
          const namespace = `${optionalString(entry, 'database', rulesPath) ?? db}.${optionalString(entry, 'collection', rulesPath) ?? coll}`
          collections.set(namespace, compileRules(raw, rulesPath))
        }
        for (const ignored of ['schema.json', 'relationships.json']) {
          if ((await readJsonFile(join(collDir, ignored))) !== undefined) {
            warnings.push(
              `${join(collDir, ignored)}: schemas and relationships are not enforced (ignored)`,
            )
          }
        }
      }
    }
    const defaultRulePath = join(base, 'default_rule.json')
    const defaultRule = await readJsonFile(defaultRulePath)
    sources.set(name, {
      name,
      collections,
      defaultRule: defaultRule === undefined ? null : compileRules(defaultRule, defaultRulePath),
    })
  }
  return sources
}
