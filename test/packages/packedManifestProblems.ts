import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PackedPackage } from '../support/packPackages'

// Tools that build or run TypeScript: a published package needs none of them at run time, and
// some (esbuild, through tsx) run install scripts that pnpm refuses by default.
const BUILD_TOOLS = ['tsx', 'tsdown', 'typescript', 'esbuild', 'vitest', 'rolldown']

type Manifest = Record<string, unknown>

/** Every file path a manifest field points at: exports (all conditions), types, main, bin. */
const pointedPaths = (manifest: Manifest): string[] => {
  const paths: string[] = []
  const walk = (value: unknown): void => {
    if (typeof value === 'string') paths.push(value)
    else if (Array.isArray(value)) value.forEach(walk)
    else if (value && typeof value === 'object') Object.values(value).forEach(walk)
  }
  walk(manifest.exports)
  walk(manifest.types)
  walk(manifest.main)
  walk(manifest.module)
  walk(manifest.bin)
  return paths
}

/**
 * What publint and arethetypeswrong do not look at, checked on the packed manifest (`pkg`, as
 * publint read it from the tarball): every condition of `exports` (a development-only condition
 * such as `source` left pointing at `src/`, which is not published, breaks a bundler configured
 * with it), ranges that only mean something in this workspace, build tools among the run-time
 * dependencies, the licence file, and `'use client'` kept at the top of a built entry whose source
 * starts with it.
 */
export const packedManifestProblems = async (
  packed: PackedPackage,
  pkg: Manifest,
): Promise<string[]> => {
  const problems: string[] = []
  const files = new Set(packed.files)
  for (const path of pointedPaths(pkg)) {
    const relative = path.replace(/^\.\//, '')
    if (!files.has(relative)) problems.push(`points at ${path}, which is not in the tarball`)
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries((pkg[field] ?? {}) as Record<string, string>)) {
      if (/^(workspace|catalog|link|file):/.test(range)) {
        problems.push(`${field}.${name} is "${range}", which only this workspace understands`)
      }
      if (field === 'dependencies' && BUILD_TOOLS.includes(name)) {
        problems.push(`depends on the build tool ${name} at run time`)
      }
    }
  }
  if (!files.has('LICENSE')) problems.push('has no LICENSE file')
  else if (
    (await readFile(join(packed.dir, 'LICENSE'), 'utf8')) !==
    (await readFile(join(packed.dir, '../../LICENSE'), 'utf8'))
  ) {
    problems.push("has a LICENSE that differs from the repository's")
  }
  const source = await readFile(join(packed.dir, 'src/index.ts'), 'utf8').catch(() => '')
  if (/^['"]use client['"]/.test(source)) {
    const entry = ((pkg.exports as Record<string, Record<string, string>>)['.'] ?? {}).default
    const built = entry ? await readFile(join(packed.dir, entry), 'utf8') : ''
    if (!/^['"]use client['"]/.test(built)) {
      problems.push(`src/index.ts starts with 'use client' but the built ${entry} does not`)
    }
  }
  return problems
}
