import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import type { SizeEntry } from './entries'

/** An entry's size: minified, and minified then gzipped at level 9. */
export interface EntrySize {
  readonly minified: number
  readonly gzipped: number
}

/**
 * Bundles an entry for the browser as an app's bundler would ship it (esbuild `--bundle
 * --format=esm --platform=browser --minify`), then gzips it at level 9. Workspace packages
 * resolve to their source through the `source` export condition: the same code `dist` holds.
 */
export const measureEntry = async (entry: SizeEntry, resolveDir: string): Promise<EntrySize> => {
  const result = await build({
    stdin: { contents: entry.source, resolveDir, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
    conditions: ['source'],
    external: [...(entry.external ?? [])],
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength }
}
