import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url))

/** One published package, packed. */
export interface PackedPackage {
  readonly name: string
  readonly version: string
  /** The absolute path of its `.tgz`. */
  readonly tarball: string
  /** Its folder in the workspace. */
  readonly dir: string
  /** The paths inside the tarball, relative to its package folder. */
  readonly files: readonly string[]
}

/**
 * Packs every package of `packages/` that is not private with `pnpm pack`, as `pnpm publish`
 * would pack it (publishConfig applied, `workspace:` ranges replaced), into `destination`.
 * The packages must be built first (`pnpm build:packages`).
 */
export const packPackages = async (destination: string): Promise<PackedPackage[]> => {
  const packed: PackedPackage[] = []
  for (const entry of (await readdir(packagesDir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue
    const dir = join(packagesDir, entry.name)
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      name: string
      version: string
      private?: boolean
    }
    if (manifest.private) continue
    const { stdout } = await promisify(execFile)(
      'pnpm',
      ['pack', '--pack-destination', destination, '--json'],
      { cwd: dir },
    )
    const { filename, files } = JSON.parse(stdout) as {
      filename: string
      files: { path: string }[]
    }
    packed.push({
      name: manifest.name,
      version: manifest.version,
      tarball: filename,
      dir,
      files: files.map((file) => file.path),
    })
  }
  return packed
}
