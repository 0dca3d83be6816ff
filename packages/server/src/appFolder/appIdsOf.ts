import { join } from 'node:path'
import { isObject, optionalString, type JsonObject } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

/** The client App ID a server answers to, and the others it also accepts. */
export interface AppIds {
  readonly appId: string
  readonly aliases: readonly string[]
}

/**
 * The client App ID of an app folder: `app_id` of `realm_config.json` (or `root_config.json`),
 * else `client_app_id` of `.mdb/meta.json` (where the App Services CLI recorded it for exports
 * whose config has none), else the app's `name`. With `override` (`--app-id`), that one is the
 * App ID and the folder's own stays accepted. When the ID came from `.mdb/meta.json`, the `name`
 * stays accepted too: servers before that lookup answered to it.
 */
export const appIdsOf = async ({
  dir,
  root,
  configPath,
  override,
}: {
  readonly dir: string
  /** The parsed `realm_config.json` (or `root_config.json`) at `configPath`. */
  readonly root: JsonObject
  readonly configPath: string
  readonly override: string | undefined
}): Promise<AppIds> => {
  const name = optionalString(root, 'name', configPath)
  const configured = optionalString(root, 'app_id', configPath)
  const metaPath = join(dir, '.mdb', 'meta.json')
  const meta = configured ? undefined : await readJsonFile(metaPath)
  const recorded =
    isObject(meta) && typeof meta.client_app_id === 'string' && meta.client_app_id !== ''
      ? meta.client_app_id
      : undefined
  const own = configured ?? recorded ?? name
  if (override !== undefined && !/^[\w.-]{1,128}$/.test(override)) {
    throw new AppFolderError(
      `the App ID "${override}" may only hold letters, digits, ".", "-" and "_" (at most 128).`,
    )
  }
  const appId = override ?? own
  if (!appId) {
    throw new AppFolderError(
      `${configPath} needs an "app_id" (or a "name"), or give one with --app-id.`,
    )
  }
  const accepted = [own, recorded && !configured ? name : undefined]
  const aliases = [...new Set(accepted)].filter(
    (id): id is string => typeof id === 'string' && id !== '' && id !== appId,
  )
  return { appId, aliases }
}
