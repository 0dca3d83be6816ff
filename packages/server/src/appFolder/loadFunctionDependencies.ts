import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FunctionDependencies } from './AppConfig'
import { expectObject } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'

const exists = (path: string, kind: 'file' | 'directory'): Promise<boolean> =>
  stat(path).then(
    (info) => (kind === 'file' ? info.isFile() : info.isDirectory()),
    () => false,
  )

const ARCHIVES = ['node_modules.tar.gz', 'node_modules.tgz', 'node_modules.tar']

/**
 * Finds the functions' npm packages (App Services' "External Dependencies" page): the
 * `dependencies` of `functions/package.json`, an installed `functions/node_modules`, and an
 * uploaded `node_modules` archive. A `.zip` archive, which App Services also took, is named in a
 * warning: unpack it into `functions/node_modules`.
 */
export const loadFunctionDependencies = async (
  dir: string,
  warnings: string[] = [],
): Promise<FunctionDependencies> => {
  const root = join(dir, 'functions')
  const packagePath = join(root, 'package.json')
  const manifest = await readJsonFile(packagePath)
  const declared: Record<string, string> = {}
  if (manifest !== undefined) {
    const dependencies = expectObject(manifest, packagePath).dependencies ?? {}
    for (const [name, range] of Object.entries(expectObject(dependencies, packagePath))) {
      if (typeof range !== 'string') {
        throw new AppFolderError(`${packagePath}: the version of "${name}" must be a string.`)
      }
      declared[name] = range
    }
  }
  let archive: string | null = null
  for (const name of ARCHIVES) {
    if (await exists(join(root, name), 'file')) {
      archive = join(root, name)
      break
    }
  }
  if (await exists(join(root, 'node_modules.zip'), 'file')) {
    warnings.push(
      `${join(root, 'node_modules.zip')} is not read: unpack it into functions/node_modules, or make it a node_modules.tar.gz`,
    )
  }
  const nodeModules = join(root, 'node_modules')
  return {
    declared,
    nodeModulesDir: (await exists(nodeModules, 'directory')) ? nodeModules : null,
    archive,
  }
}
