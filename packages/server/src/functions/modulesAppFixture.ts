import { execFileSync } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The hand-written npm packages of the tests (fixtures/packages, see its README). */
export const fixturePackagesDir: string = fileURLToPath(
  new URL('../../fixtures/packages', import.meta.url),
)

/** An app whose functions use npm packages, ES imports and built-ins; packages not installed. */
export const modulesAppDir: string = fileURLToPath(
  new URL('../../fixtures/modules-app', import.meta.url),
)

const PACKAGES = [
  'tiny-id',
  'tiny-alphabet',
  'esm-greeting',
  'babel-style',
  'spinner',
  'global-setter',
]

/** A `node_modules` folder with the fixture packages, as `npm install` lays it out (hoisted). */
export const stageNodeModules = async (dir: string): Promise<string> => {
  const nodeModules = join(dir, 'node_modules')
  await mkdir(nodeModules, { recursive: true })
  for (const name of PACKAGES) {
    await cp(join(fixturePackagesDir, name), join(nodeModules, name), { recursive: true })
  }
  return nodeModules
}

/**
 * A copy of modules-app in a temporary folder with its packages installed the way App Services'
 * "External Dependencies" page describes: in `functions/node_modules` (package.json, then
 * `npm install`), or uploaded as `functions/node_modules.tar.gz` made with `tar -czf
 * node_modules.tar.gz node_modules/` (the system's tar). Answers the folder and how to remove it.
 */
export const installedModulesApp = async (
  how: 'node_modules' | 'archive',
): Promise<{ dir: string; remove: () => Promise<void> }> => {
  const dir = await mkdtemp(join(tmpdir(), 'modules-app-'))
  await cp(modulesAppDir, dir, { recursive: true })
  const functions = join(dir, 'functions')
  if (how === 'node_modules') {
    await stageNodeModules(functions)
  } else {
    const staging = await mkdtemp(join(tmpdir(), 'modules-archive-'))
    await stageNodeModules(staging)
    execFileSync('tar', ['-czf', join(functions, 'node_modules.tar.gz'), 'node_modules/'], {
      cwd: staging,
    })
    await rm(staging, { recursive: true, force: true })
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
