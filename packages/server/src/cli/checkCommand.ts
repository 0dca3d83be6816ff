import { parseArgs } from 'node:util'
import { applySecrets, secretVariable } from '../appFolder/applySecrets'
import { describeIgnored } from '../appFolder/describeIgnored'
import { foldWarnings } from '../appFolder/foldWarnings'
import { checkAppFolder } from '../appFolder/loadAppFolder'
import { AppFolderError } from '../appFolder/readJsonFile'
import type { CliCommand } from './CliCommand'
import { appDirOf, env, print } from './cliSupport'
import { describeApp } from './describeApp'
import { startupProblems } from './startupProblems'

const OPTIONS = {
  app: { type: 'string' },
  environment: { type: 'string' },
  'app-id': { type: 'string' },
  'strict-secrets': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type CheckValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

const USAGE = `  custom-data-server check --app <folder> [--environment <tag>] [--app-id <id>] [--strict-secrets]
                                 what start would run, ignore or refuse, without starting
                                 (secrets from SECRET_<NAME>); exit 1 when it would refuse`

const section = (title: string, lines: readonly string[]): void => {
  if (lines.length === 0) return
  print('')
  print(title)
  for (const line of lines) print(`  ${line}`)
}

/**
 * `custom-data-server check --app <folder>`: loads the folder as `start` would, without a store,
 * a port or a function worker, and reports what would run, what is ignored, the warnings, the
 * secrets without a value, and every problem that would stop the start (not only the first).
 */
const check = async (values: CheckValues): Promise<void> => {
  const dir = appDirOf(values)
  const environment = values.environment ?? env('APP_ENVIRONMENT')
  const appId = values['app-id'] ?? env('APP_ID')
  const strict = values['strict-secrets'] === true || env('STRICT_SECRETS') === 'true'
  const { app, problems: loadProblems } = await checkAppFolder(dir, {
    ...(environment !== undefined ? { environment } : {}),
    ...(appId !== undefined ? { appId } : {}),
  })
  const problems = [...loadProblems]
  print(`custom-data-server check: ${dir}`)
  if (app) {
    const secret = (name: string) => env(secretVariable(name))
    // What the server would serve: without what lacks a secret, unless strict refuses that.
    const lenient = applySecrets(app, secret, { strict: false }).app
    const served = strict ? { ...lenient, warnings: app.warnings } : lenient
    if (strict) {
      try {
        applySecrets(app, secret, { strict })
      } catch (error) {
        if (!(error instanceof AppFolderError)) throw error
        problems.push(error.message)
      }
    }
    problems.push(...(await startupProblems(served, secret)))
    print('')
    print(
      `client App ID: ${served.appId}${served.appIdAliases.length > 0 ? ` (also answers to ${served.appIdAliases.join(', ')})` : ''}`,
    )
    print(`environment: ${served.environment.tag || '(none)'}`)
    const rows = describeApp(served)
    const width = Math.max(...rows.map(([label]) => label.length))
    section(
      'Runs:',
      rows.flatMap(([label, lines]) =>
        lines.map((line, index) => `${(index === 0 ? label : '').padEnd(width)}  ${line}`),
      ),
    )
    section('Not run (ignored):', served.ignored.map(describeIgnored))
    section('Warnings:', foldWarnings(served.warnings, served.dir))
  }
  section(
    'Refused: the server would not start:',
    problems.map((problem) => `- ${problem.split(`${dir}/`).join('')}`),
  )
  print('')
  if (problems.length > 0) {
    print(`would not start: ${problems.length} problem${problems.length === 1 ? '' : 's'}`)
    process.exitCode = 1
  } else {
    print('would start')
  }
}

/** `custom-data-server check`: a dry run of `start` on an app folder. */
export const checkCommand: CliCommand = {
  name: 'check',
  usage: USAGE,
  run: (argv) => check(parseArgs({ args: [...argv], options: OPTIONS }).values),
}
