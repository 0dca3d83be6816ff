import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import type { AppConfig } from '../appFolder/AppConfig'
import { readTarArchive } from './readTarArchive'

/** Where the functions' packages are, and what is missing. */
export interface FunctionModules {
  /** Folders whose `node_modules` hold packages, searched in order (`WorkerSetup.moduleRoots`). */
  readonly roots: readonly string[]
  /** One line for each package a function names, or package.json declares, that is not there. */
  readonly warnings: readonly string[]
}

/** Built-ins no function may load (worker/moduleLoader.js refuses them at call time). */
const REFUSED_BUILTINS = new Set([
  'child_process',
  'cluster',
  'domain',
  'readline',
  'v8',
  'vm',
  'worker_threads',
  'inspector',
  'repl',
  'wasi',
  'trace_events',
])

const packageNameOf = (specifier: string): string => {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier)
}

const inside = (root: string, path: string): boolean => {
  const full = resolve(root, path)
  return full.startsWith(root + sep)
}

/**
 * Unpacks a `node_modules` archive once into `cacheDir/<its sha-256>`, so that restarts and
 * several servers on one machine share it; answers that folder (its `node_modules` holds the
 * packages). An archive of the packages themselves, without the `node_modules/` folder around
 * them, is unpacked into one. Entries that would land outside the folder, and symlinks that point
 * outside it, are skipped.
 */
export const unpackModulesArchive = async (archive: string, cacheDir: string): Promise<string> => {
  const bytes = await readFile(archive)
  const target = join(cacheDir, createHash('sha256').update(bytes).digest('hex').slice(0, 32))
  if (existsSync(join(target, 'node_modules'))) return target
  let entries
  try {
    entries = readTarArchive(bytes)
  } catch (error) {
    throw new Error(`${archive} cannot be read: ${(error as Error).message}`, { cause: error })
  }
  const relative = entries.map((entry) => entry.path.replace(/^(\.\/)+/, ''))
  const wrapped = relative.every(
    (path) => path === '' || path === 'node_modules' || path.startsWith('node_modules/'),
  )
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`
  const base = wrapped ? partial : join(partial, 'node_modules')
  await mkdir(join(partial, 'node_modules'), { recursive: true })
  for (const [index, entry] of entries.entries()) {
    const path = relative[index] ?? ''
    if (path === '' || !inside(partial, join(wrapped ? '' : 'node_modules', path))) continue
    const destination = join(base, path)
    if (entry.type === 'directory') {
      await mkdir(destination, { recursive: true })
    } else if (entry.type === 'file') {
      await mkdir(dirname(destination), { recursive: true })
      await writeFile(destination, entry.data)
    } else if (
      entry.type === 'symlink' &&
      resolve(dirname(destination), entry.linkTarget).startsWith(partial + sep)
    ) {
      await mkdir(dirname(destination), { recursive: true })
      await symlink(entry.linkTarget, destination).catch(() => undefined)
    }
  }
  try {
    await rename(partial, target)
  } catch (error) {
    // Another server unpacked the same archive meanwhile: theirs is as good.
    await rm(partial, { recursive: true, force: true })
    if (!existsSync(join(target, 'node_modules'))) throw error
  }
  return target
}

/**
 * Gets the app's packages ready for the workers: the installed `functions/node_modules` first,
 * then the unpacked `functions/node_modules.tar.gz`. Names, as warnings, each package that
 * `functions/package.json` declares or a function imports and that is in neither, and each
 * built-in a function names that functions may not load: such a call fails with a 400 that says
 * so, and the warning says it at start.
 */
export const prepareFunctionModules = async (
  app: AppConfig,
  cacheDir: string,
): Promise<FunctionModules> => {
  const dependencies = app.functionDependencies
  const roots: string[] = []
  if (dependencies?.nodeModulesDir) roots.push(dirname(dependencies.nodeModulesDir))
  if (dependencies?.archive) roots.push(await unpackModulesArchive(dependencies.archive, cacheDir))
  const installed = (name: string) =>
    roots.some((root) => existsSync(join(root, 'node_modules', name)))
  const install = `run \`custom-data-server deps install --app ${app.dir}\``
  const warnings: string[] = []
  for (const name of Object.keys(dependencies?.declared ?? {})) {
    if (!installed(name)) {
      warnings.push(`functions/package.json declares "${name}" but it is not installed: ${install}`)
    }
  }
  for (const fn of app.functions.values()) {
    for (const specifier of fn.modules) {
      if (isBuiltin(specifier)) {
        const name = specifier.replace(/^node:/, '').split('/')[0] ?? specifier
        if (REFUSED_BUILTINS.has(name)) {
          warnings.push(
            `function "${fn.name}" loads "${specifier}", which functions cannot use: its calls will fail`,
          )
        }
        continue
      }
      if (specifier.startsWith('.') || specifier.startsWith('/')) continue
      const name = packageNameOf(specifier)
      if (!installed(name)) {
        warnings.push(
          `function "${fn.name}" loads "${specifier}", which is not installed: its calls will fail until you add "${name}" to functions/package.json and ${install}`,
        )
      }
    }
  }
  return { roots, warnings: [...new Set(warnings)] }
}
