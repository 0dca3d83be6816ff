import { AppFolderError } from './readJsonFile'

export type JsonObject = Record<string, unknown>

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The value as a JSON object, or an `AppFolderError` naming the file. */
export const expectObject = (value: unknown, path: string): JsonObject => {
  if (!isObject(value)) throw new AppFolderError(`${path} must hold a JSON object.`)
  return value
}

/** A string field of an app-folder file, or undefined; any other type is an `AppFolderError`. */
export const optionalString = (
  object: JsonObject,
  key: string,
  path: string,
): string | undefined => {
  const value = object[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new AppFolderError(`${path}: "${key}" must be a string.`)
  return value
}

/** A boolean field of an app-folder file, false when absent; any other type is an `AppFolderError`. */
export const optionalFlag = (object: JsonObject, key: string, path: string): boolean => {
  const value = object[key]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean')
    throw new AppFolderError(`${path}: "${key}" must be true or false.`)
  return value
}
