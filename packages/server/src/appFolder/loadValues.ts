import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expectObject, optionalString } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** One value of `values/<name>.json`, for `context.values.get(name)` (docs/protocol.md §13). */
export interface ValueDefinition {
  readonly name: string
  /** The value itself, or for a secret value the secret's name. */
  readonly value: unknown
  /** App Services secrets are not exported; their value comes from the environment. */
  readonly fromSecret: boolean
}

/** Reads `values/*.json`. A missing folder means no values. */
export const loadValues = async (dir: string): Promise<Map<string, ValueDefinition>> => {
  const root = join(dir, 'values')
  const values = new Map<string, ValueDefinition>()
  const files = await readdir(root).catch(() => [] as string[])
  for (const file of files.filter((f) => f.endsWith('.json')).sort()) {
    const path = join(root, file)
    const entry = expectObject(await readJsonFile(path), path)
    const name = optionalString(entry, 'name', path) ?? file.slice(0, -'.json'.length)
    if (!('value' in entry)) throw new AppFolderError(`${path}: "value" is required.`)
    values.set(name, { name, value: entry.value, fromSecret: entry.from_secret === true })
  }
  return values
}
