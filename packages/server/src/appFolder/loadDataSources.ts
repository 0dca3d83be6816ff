import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import {
  compileCollectionRules,
  type CollectionRules,
  type DataSource,
} from '../collection/CollectionRules'
import { expectObject, optionalString } from './jsonFields'
import { loadPart, type LoadReport } from './LoadReport'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** Data source types served as a MongoDB cluster: Atlas, and a self-hosted one (`mongodb`). */
const MONGODB_TYPES = new Set(['mongodb-atlas', 'mongodb'])

const subfolders = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()

/** Compiles the rules read from `path`; a rule this server cannot evaluate names the file. */
const compileRules = (raw: unknown, path: string, report: LoadReport): CollectionRules => {
  let rules: CollectionRules
  try {
    rules = compileCollectionRules(raw)
  } catch (error) {
    throw new AppFolderError(`${path}: ${(error as Error).message}`)
  }
  for (const note of rules.notes) report.warnings.push(`${path}: ${note}`)
  return rules
}

/**
 * A collection whose `rules.json` has no roles falls back to the data source's default roles, as
 * on App Services (rules/roles: "If there are no collection-level roles, the request falls back
 * to the data source's default roles"); its own filters stay, else the default ones apply.
 */
const withDefaultRoles = (rules: CollectionRules, fallback: CollectionRules): CollectionRules =>
  rules.roles.length > 0
    ? rules
    : {
        roles: fallback.roles,
        filters: rules.filters.length > 0 ? rules.filters : fallback.filters,
        notes: rules.notes,
      }

/**
 * Reads `data_sources/<service>/`: `config.json` (the service's name and type; `mongodb-atlas`
 * and a self-hosted `mongodb` are served alike), `default_rule.json`, and `<db>/<coll>/rules.json`,
 * compiling every rule expression now so that one this server cannot evaluate stops the start
 * instead of being ignored. Schemas and relationships are not enforced: one summary line.
 */
export const loadDataSources = async (
  dir: string,
  report: LoadReport,
): Promise<Map<string, DataSource>> => {
  const root = join(dir, 'data_sources')
  const sources = new Map<string, DataSource>()
  const unenforced: string[] = []
  for (const folder of await subfolders(root)) {
    const base = join(root, folder)
    const configPath = join(base, 'config.json')
    const config = await loadPart(
      report,
      async () => {
        const raw = await readJsonFile(configPath)
        return raw === undefined ? {} : expectObject(raw, configPath)
      },
      undefined,
    )
    if (!config) continue
    const type = optionalString(config, 'type', configPath) ?? 'mongodb-atlas'
    const name = optionalString(config, 'name', configPath) ?? folder
    if (!MONGODB_TYPES.has(type)) {
      report.ignored.push({
        feature: `data sources of type "${type}"`,
        where: `data_sources/${folder}/`,
        count: 1,
        note: `context.services.get("${name}") answers undefined`,
      })
      continue
    }
    const defaultRulePath = join(base, 'default_rule.json')
    const defaultRule = await loadPart(
      report,
      async () => {
        const raw = await readJsonFile(defaultRulePath)
        return raw === undefined ? null : compileRules(raw, defaultRulePath, report)
      },
      null,
    )
    const collections = new Map<string, CollectionRules>()
    for (const db of await subfolders(base)) {
      for (const coll of await subfolders(join(base, db))) {
        const collDir = join(base, db, coll)
        const rulesPath = join(collDir, 'rules.json')
        await loadPart(
          report,
          async () => {
            const raw = await readJsonFile(rulesPath)
            if (raw === undefined) return
            const entry = expectObject(raw, rulesPath)
            const namespace = `${optionalString(entry, 'database', rulesPath) ?? db}.${optionalString(entry, 'collection', rulesPath) ?? coll}`
            const rules = compileRules(raw, rulesPath, report)
            if (rules.roles.length === 0 && !defaultRule?.roles.length) {
              report.warnings.push(
                `${rulesPath}: no roles, and no default roles to fall back to: every client request on ${namespace} is refused`,
              )
            }
            collections.set(namespace, defaultRule ? withDefaultRoles(rules, defaultRule) : rules)
          },
          undefined,
        )
        for (const ignored of ['schema.json', 'relationships.json']) {
          if ((await readJsonFile(join(collDir, ignored)).catch(() => undefined)) !== undefined) {
            unenforced.push(relative(dir, join(collDir, ignored)))
          }
        }
      }
    }
    sources.set(name, { name, collections, defaultRule })
  }
  if (unenforced.length > 0) {
    report.ignored.push({
      feature: 'schemas and relationships',
      where: 'data_sources/',
      count: unenforced.length,
      note: 'documents are not validated against schema.json, and relationships are not resolved',
    })
  }
  return sources
}
