import type { CliCommand } from './cli/CliCommand'
import { checkCommand } from './cli/checkCommand'
import { fail, UsageError } from './cli/cliSupport'
import { depsCommand } from './cli/depsCommand'
import { initCommand } from './cli/initCommand'
import { keysCommand } from './cli/keysCommand'
import { usersCommand } from './cli/usersCommand'
import { startCommand } from './cli/startCommand'
import { triggersCommand } from './cli/triggersCommand'

/** Every command, in the order the help text lists them. Add a command: a file in cli/, a line here. */
const COMMANDS: readonly CliCommand[] = [
  startCommand,
  initCommand,
  checkCommand,
  keysCommand,
  depsCommand,
  triggersCommand,
  usersCommand,
]

const usage = (): string =>
  `Usage:\n${COMMANDS.map((command) => command.usage).join('\n\n')}\n\n  -h, --help                     show this help\n`

/** Runs the command line; for `start`, resolves once the server listens. */
export const runCli = async (argv: readonly string[]): Promise<void> => {
  const [name, ...rest] = argv
  if (name === undefined) return usageError('missing command')
  if ([name, ...rest].some((arg) => arg === '-h' || arg === '--help')) {
    process.stdout.write(usage())
    return
  }
  try {
    const command = COMMANDS.find((candidate) => candidate.name === name)
    if (!command) return fail(`unknown command "${name}"`)
    await command.run(rest)
  } catch (error) {
    // parseArgs' own complaints (an unknown flag, a missing value) are usage mistakes too.
    const code = (error as { code?: unknown }).code
    const parseError = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
    if (error instanceof UsageError || parseError) return usageError((error as Error).message)
    throw error
  }
}

const usageError = (message: string): never => {
  process.stderr.write(`custom-data-server: ${message}\n\n${usage()}`)
  process.exit(2)
}
