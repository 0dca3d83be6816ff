#!/usr/bin/env node
// The published package holds dist/ only: it runs the build, with nothing but its runtime
// dependencies. In a checkout of the repository (src/ next to dist/) it runs the TypeScript source
// through tsx, a dev dependency there, so development needs no build step.
import { existsSync } from 'node:fs'

const source = new URL('../src/cli.ts', import.meta.url)

const loadCli = async () => {
  if (!existsSync(source)) return import(new URL('../dist/cli.mjs', import.meta.url).href)
  const { tsImport } = await import('tsx/esm/api')
  return tsImport(source.href, import.meta.url)
}

const { runCli } = await loadCli()
await runCli(process.argv.slice(2))
