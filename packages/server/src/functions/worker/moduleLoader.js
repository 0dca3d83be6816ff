// @ts-check
// `require` in functions, and what Node's module system hands functions and their packages.
//
// Packages come from the app's own folders only (`functions/node_modules`, installed from
// `functions/package.json`, and the unpacked `functions/node_modules.tar.gz`), never from folders
// above the app: a package the app did not declare must not work here and fail in production.
//
// The built-in modules are those App Services offered ("JavaScript Support" in its docs): all of
// them but `child_process`, `cluster`, `domain`, `readline`, `v8` and `vm`, which it did not offer,
// and `worker_threads`, `inspector`, `repl`, `wasi` and `trace_events`, which would let a function
// outlive its time limit or stop the server. `fs` reads and does not write (App Services offered
// `readFileSync`, `statSync` and their kin). Native addons (`.node` files) are refused: a crash in
// one ends the whole process. This is not a security boundary: a function is the app owner's code
// and runs with the server's permissions. It keeps a function's faults inside its worker.
import * as fs from 'node:fs'
import Module, { createRequire, isBuiltin } from 'node:module'
import { isAbsolute, join } from 'node:path'

const REFUSED = new Set([
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

/** fs functions that change the disk, each also in a `Sync` form (and in `fs.promises`). */
const WRITES = [
  'appendFile',
  'chmod',
  'chown',
  'copyFile',
  'cp',
  'fchmod',
  'fchown',
  'fdatasync',
  'fsync',
  'ftruncate',
  'futimes',
  'lchmod',
  'lchown',
  'link',
  'lutimes',
  'mkdir',
  'mkdtemp',
  'rename',
  'rm',
  'rmdir',
  'symlink',
  'truncate',
  'unlink',
  'utimes',
  'write',
  'writeFile',
  'writev',
]

/** @param {string} name */
const refusedWrite = (name) => () => {
  throw new Error(
    `fs.${name}() is not available in functions: they may read files, not write them (App Services offered a read-only fs)`,
  )
}

/** @param {unknown} flags */
const readOnly = (flags) =>
  flags === undefined ||
  flags === null ||
  flags === 'r' ||
  flags === 'rs' ||
  flags === 'sr' ||
  flags === fs.constants.O_RDONLY

/**
 * @template {Record<string, unknown>} T
 * @param {T} source
 * @param {string} prefix
 * @returns {T}
 */
const readOnlyView = (source, prefix) => {
  /** @type {Record<string, unknown>} */
  const view = { ...source }
  for (const name of WRITES) {
    for (const key of [name, `${name}Sync`]) {
      if (key in source) view[key] = refusedWrite(`${prefix}${key}`)
    }
  }
  view.createWriteStream = refusedWrite(`${prefix}createWriteStream`)
  for (const key of ['open', 'openSync']) {
    const original = source[key]
    if (typeof original !== 'function') continue
    view[key] = (
      /** @type {unknown} */ path,
      /** @type {unknown} */ flags,
      /** @type {unknown[]} */ ...rest
    ) => {
      if (typeof flags !== 'function' && !readOnly(flags)) refusedWrite(`${prefix}${key}`)()
      return original.call(source, path, flags, ...rest)
    }
  }
  return /** @type {T} */ (view)
}

const fsPromisesView = readOnlyView(
  /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (fs.promises)),
  'promises.',
)
const fsView = readOnlyView(
  /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (fs)),
  '',
)
fsView.promises = fsPromisesView

/** @param {string} request */
const builtinFor = (request) => {
  const name = request.startsWith('node:') ? request.slice(5) : request
  const top = name.split('/')[0] ?? name
  if (REFUSED.has(top)) {
    throw new Error(
      `require('${request}'): the "${top}" module is not available in functions (App Services did not offer it either)`,
    )
  }
  if (name === 'fs') return fsView
  if (name === 'fs/promises') return fsPromisesView
  return undefined
}

/**
 * Puts the policy above into this worker's module system, once: every CommonJS `require` of a
 * function or a package passes through it. `afterLoad` runs when an outermost load returns.
 * @param {{ afterLoad: () => void }} hooks
 */
export const installModulePolicy = ({ afterLoad }) => {
  const loader = /** @type {{ _load: Function, _extensions: Record<string, Function> }} */ (
    /** @type {unknown} */ (Module)
  )
  const original = loader._load
  let depth = 0
  loader._load = function (/** @type {string} */ request, /** @type {unknown[]} */ ...rest) {
    if (typeof request === 'string' && isBuiltin(request)) {
      const replacement = builtinFor(request)
      if (replacement) return replacement
    }
    depth += 1
    try {
      return original.call(this, request, ...rest)
    } catch (error) {
      // Node's message lists the server's paths ("Require stack: ..."): the caller gets the
      // first line only.
      const failure = /** @type {{ code?: unknown, message?: unknown }} */ (error)
      if (failure?.code === 'MODULE_NOT_FOUND' && typeof failure.message === 'string') {
        failure.message = failure.message.split('\n')[0] ?? failure.message
      }
      throw error
    } finally {
      depth -= 1
      if (depth === 0) afterLoad()
    }
  }
  loader._extensions['.node'] = () => {
    throw new Error(
      'native addons (.node files) are not supported in functions: use a pure JavaScript package (bcryptjs, not bcrypt)',
    )
  }
  const refusedProcess = (/** @type {string} */ name) => () => {
    throw new Error(`process.${name}() is not available in functions`)
  }
  for (const name of ['exit', 'kill', 'dlopen']) {
    Object.defineProperty(process, name, {
      value: refusedProcess(name),
      writable: true,
      configurable: true,
    })
  }
}

/** `lodash/cloneDeep` → `lodash`, `@sendgrid/mail/x` → `@sendgrid/mail`. */
const packageNameOf = (/** @type {string} */ specifier) => {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier)
}

/**
 * Finds packages in the app's module roots. One per worker: it remembers where each package is.
 * @param {{ roots: readonly string[], appDir: string }} options
 */
export const createPackageResolver = ({ roots, appDir }) => {
  /** @type {Map<string, NodeJS.Require | null>} */
  const found = new Map()
  const requireFor = roots.map((root) => createRequire(join(root, 'index.js')))
  /** @param {string} name */
  const requireOf = (name) => {
    if (found.has(name)) return found.get(name) ?? null
    const index = roots.findIndex((root) => fs.existsSync(join(root, 'node_modules', name)))
    const result = index >= 0 ? (requireFor[index] ?? null) : null
    found.set(name, result)
    return result
  }

  /**
   * The `require` of one function file: built-ins (under the policy above), paths relative to the
   * file, and the app's packages.
   * @param {string} path the function's file
   * @returns {(specifier: unknown) => unknown}
   */
  const requireFrom = (path) => {
    const local = createRequire(path)
    return (specifier) => {
      if (typeof specifier !== 'string' || specifier === '') {
        throw new TypeError('require() needs a module name')
      }
      if (isBuiltin(specifier) || specifier.startsWith('.') || isAbsolute(specifier)) {
        return local(specifier)
      }
      const name = packageNameOf(specifier)
      const require = requireOf(name)
      if (!require) {
        const error = new Error(
          `require('${specifier}'): the package "${name}" is not installed for this app's functions; add it to functions/package.json and run \`custom-data-server deps install --app ${appDir}\``,
        )
        Object.assign(error, { code: 'MODULE_NOT_FOUND' })
        throw error
      }
      return require(specifier)
    }
  }
  return { requireFrom }
}
