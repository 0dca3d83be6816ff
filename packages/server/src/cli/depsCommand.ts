import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { prepareFunctionModules } from '../functions/prepareFunctionModules'
import type { CliCommand } from './CliCommand'
import { appDirOf, exitWithStartupError, fail, print } from './cliSupport'

const OPTIONS = { app: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const

const USAGE = `  custom-data-server deps install --app <folder> [-- <npm options>]

Options of deps:
  --app <folder>                 App Services app folder                        APP_DIR
  -- <npm options>               passed to npm (e.g. -- --registry <url>)`

/** Runs npm in a folder with the terminal attached; resolves with its exit code. */
const runNpm = (cwd: string, args: readonly string[]): Promise<number> =>
  new Promise((resolve, reject) => {
    const windows = process.platform === 'win32'
    const child = spawn(windows ? 'npm.cmd' : 'npm', args, {
      cwd,
      stdio: 'inherit',
      shell: windows,
    })
    child.once('error', reject)
    child.once('exit', (code) => resolve(code ?? 1))
  })

/**
 * `custom-data-server deps install --app <folder>`: installs the packages `functions/package.json`
 * names into `functions/node_modules`, as App Services' "add dependencies" did for an app (npm, with
 * the lockfile when there is one: `npm ci`). Install scripts are not run: functions cannot load
 * native addons, which are what they build. Then names every package a function loads that is
 * still missing. A `functions/node_modules.tar.gz` needs nothing: the server unpacks it at start.
 */
const install = async (appDir: string, npmArgs: readonly string[]): Promise<void> => {
  const functions = join(appDir, 'functions')
  if (!existsSync(functions)) fail(`${appDir} has no functions folder`)
  if (existsSync(join(functions, 'package.json'))) {
    const command = existsSync(join(functions, 'package-lock.json')) ? 'ci' : 'install'
    print(`npm ${command} in ${functions}`)
    const code = await runNpm(functions, [
      command,
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      ...npmArgs,
    ]).catch((error: unknown) => {
      process.stderr.write(`custom-data-server: npm could not run: ${(error as Error).message}\n`)
      return 1
    })
    if (code !== 0) {
      process.stderr.write(`custom-data-server: npm ${command} failed (exit code ${code})\n`)
      process.exit(1)
    }
  } else if (existsSync(join(functions, 'node_modules.tar.gz'))) {
    print('functions/node_modules.tar.gz is unpacked when the server starts: nothing to install')
  } else {
    print('functions/package.json does not exist: nothing to install')
  }
  let warnings: readonly string[]
  try {
    const app = await loadAppFolder(appDir)
    const modules = await prepareFunctionModules(
      app,
      join(tmpdir(), 'custom-data-server', 'function-modules'),
    )
    warnings = modules.warnings
  } catch (error) {
    return exitWithStartupError(error)
  }
  for (const warning of warnings) process.stderr.write(`custom-data-server: warning: ${warning}\n`)
  if (warnings.length === 0) print('every package the functions load is installed')
}

export const depsCommand: CliCommand = {
  name: 'deps',
  usage: USAGE,
  async run(argv) {
    const split = argv.indexOf('--')
    const own = split < 0 ? argv : argv.slice(0, split)
    const npmArgs = split < 0 ? [] : argv.slice(split + 1)
    const { values, positionals } = parseArgs({
      args: [...own],
      options: OPTIONS,
      allowPositionals: true,
    })
    const [subcommand] = positionals
    if (subcommand !== 'install') {
      fail(subcommand ? `unknown deps command "${subcommand}"` : 'missing deps command')
    }
    await install(appDirOf(values), npmArgs)
  },
}
