import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { IgnoredFeature } from './AppConfig'
import { isObject } from './jsonFields'
import { readJsonFile } from './readJsonFile'

/** The JSON files directly in a folder of the app. */
const jsonFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort()

/** Reads a JSON file, or undefined when it is missing or unreadable (reported elsewhere if it matters). */
const readQuietly = (path: string): Promise<unknown> => readJsonFile(path).catch(() => undefined)

/** How many of a folder's `*.json` entries are not `disabled: true`. */
const enabledEntries = async (dir: string): Promise<number> => {
  let count = 0
  for (const file of await jsonFiles(dir)) {
    const entry = await readQuietly(join(dir, file))
    if (!(isObject(entry) && entry.disabled === true)) count += 1
  }
  return count
}

const countFiles = async (dir: string): Promise<number> => {
  let count = 0
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    count += entry.isDirectory() ? await countFiles(join(dir, entry.name)) : 1
  }
  return count
}

/**
 * The parts of an App Services export this server does not run, each once with where it is and
 * how many there are: only those present and enabled (an empty `triggers/`, a disabled trigger,
 * `hosting` with `enabled: false`, the `graphql/config.json` every export carries are not).
 */
export const ignoredFeatures = async (dir: string): Promise<IgnoredFeature[]> => {
  const ignored: IgnoredFeature[] = []
  const add = (item: IgnoredFeature) => {
    if (item.count > 0) ignored.push(item)
  }

  const sync = await readQuietly(join(dir, 'sync', 'config.json'))
  const syncOn =
    isObject(sync) &&
    (sync.state === 'enabled' ||
      (sync.state === undefined && typeof sync.type === 'string' && sync.disabled !== true))
  add({
    feature: 'Device Sync',
    where: 'sync/config.json',
    count: syncOn ? 1 : 0,
    note: 'synced realms cannot connect',
  })
  add({
    feature: 'GraphQL custom resolvers',
    where: 'graphql/custom_resolvers/',
    count: (await jsonFiles(join(dir, 'graphql', 'custom_resolvers'))).length,
    note: 'there is no GraphQL API',
  })
  const hosting = await readQuietly(join(dir, 'hosting', 'config.json'))
  if (isObject(hosting) && hosting.enabled === true) {
    add({
      feature: 'static hosting',
      where: 'hosting/',
      count: Math.max(1, await countFiles(join(dir, 'hosting', 'files'))),
      note: 'serve the built front end with --static <folder> instead',
    })
  }
  const services = (await readdir(join(dir, 'services'), { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
  add({
    feature: 'third-party services (legacy)',
    where: 'services/',
    count: services.length,
    note: 'context.services.get(name) answers undefined for them',
  })
  add({
    feature: 'log forwarders',
    where: 'log_forwarders/',
    count: await enabledEntries(join(dir, 'log_forwarders')),
    note: 'read the server log instead',
  })
  return ignored
}
