#!/usr/bin/env node
// In a checkout (src/ present) run the TypeScript source through tsx: no build step in dev.
// In the published package (dist/ only) run the build.
import { existsSync } from 'node:fs'

const source = new URL('../src/cli.ts', import.meta.url)
let runCli
if (existsSync(source)) {
  const { tsImport } = await import('tsx/esm/api')
  ;({ runCli } = await tsImport(source.href, import.meta.url))
} else {
  ;({ runCli } = await import(new URL('../dist/cli.mjs', import.meta.url).href))
}
await runCli(process.argv.slice(2))
