/**
 * One `custom-data-server <name> ...` command. Each lives in its own file under `cli/` and is
 * listed once in `cli.ts`; it parses its own arguments (with `node:util` `parseArgs`), so its
 * options stay typed, and reports usage mistakes with `fail` (exit 2).
 */
export interface CliCommand {
  readonly name: string
  /** Its lines of the help text: the synopsis first, then its options. */
  readonly usage: string
  /** Runs the command with the arguments after its name. `start` resolves once it listens. */
  run(argv: readonly string[]): Promise<void>
}
