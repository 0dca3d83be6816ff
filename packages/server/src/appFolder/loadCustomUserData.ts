import { join } from 'node:path'
import type { CustomUserDataConfig } from './AppConfig'
import { expectObject, optionalString } from './jsonFields'
import { expandEnvironment, type AppEnvironment } from './loadEnvironment'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** Reads `auth/custom_user_data.json`; null when custom user data is absent or disabled. */
export const loadCustomUserData = async (
  dir: string,
  environment: AppEnvironment = { tag: '', values: {} },
): Promise<CustomUserDataConfig | null> => {
  const path = join(dir, 'auth', 'custom_user_data.json')
  const raw = expandEnvironment(await readJsonFile(path), environment, path)
  if (raw === undefined) return null
  const entry = expectObject(raw, path)
  if (entry.enabled === false) return null
  const required = (key: string): string => {
    const value = optionalString(entry, key, path)
    if (!value) throw new AppFolderError(`${path}: "${key}" is required.`)
    return value
  }
  return {
    enabled: true,
    serviceName: optionalString(entry, 'mongo_service_name', path) ?? 'mongodb-atlas',
    databaseName: required('database_name'),
    collectionName: required('collection_name'),
    userIdField: required('user_id_field'),
    onUserCreationFunctionName:
      optionalString(entry, 'on_user_creation_function_name', path) || null,
  }
}
