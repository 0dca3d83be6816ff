import { join } from 'node:path'
import { expectObject, isObject } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** `context.environment` (docs/protocol.md §13): the environment's tag and its values. */
export interface AppEnvironment {
  /** `""`, `development`, `testing`, `qa` or `production`. */
  readonly tag: string
  readonly values: Readonly<Record<string, unknown>>
}

const TAGS = new Set(['', 'development', 'testing', 'qa', 'production'])

/** Reads `environments/<tag>.json` (`{ "values": {...} }`); a missing file means no values. */
export const loadEnvironment = async (dir: string, tag: string): Promise<AppEnvironment> => {
  if (!TAGS.has(tag)) {
    throw new AppFolderError(
      `unknown environment "${tag}": use development, testing, qa, production or none`,
    )
  }
  if (tag === '') return { tag, values: {} }
  const path = join(dir, 'environments', `${tag}.json`)
  const raw = await readJsonFile(path)
  if (raw === undefined) return { tag, values: {} }
  const values = expectObject(raw, path).values
  if (values !== undefined && !isObject(values)) {
    throw new AppFolderError(`${path}: "values" must be an object.`)
  }
  return { tag, values: values ?? {} }
}

const REFERENCE = /%\(%%environment\.values\.([A-Za-z0-9_]+)\)/g

/**
 * Replaces App Services' `%(%%environment.values.<name>)` references in a configuration value.
 * A string that is only a reference takes the value itself (a number, a list); a reference inside a
 * longer string is spliced in as text. An unknown name fails start-up, naming it and the file.
 */
export const expandEnvironment = (
  value: unknown,
  environment: AppEnvironment,
  where: string,
): unknown => {
  if (typeof value === 'string') {
    const lookup = (name: string): unknown => {
      if (!(name in environment.values)) {
        throw new AppFolderError(
          `${where} refers to %%environment.values.${name}, which environments/${environment.tag || '<none>'}.json does not define.`,
        )
      }
      return environment.values[name]
    }
    const whole = /^%\(%%environment\.values\.([A-Za-z0-9_]+)\)$/.exec(value)
    if (whole?.[1]) return lookup(whole[1])
    return value.replace(REFERENCE, (_match, name: string) => String(lookup(name)))
  }
  if (Array.isArray(value)) return value.map((item) => expandEnvironment(item, environment, where))
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        expandEnvironment(item, environment, where),
      ]),
    )
  }
  return value
}
