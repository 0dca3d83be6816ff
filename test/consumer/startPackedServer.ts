import { mkdir } from 'node:fs/promises'
import { runCommand, startCommand, type Started } from './runCommand'

/** The packed server, run the way the README runs the published one. */
export interface PackedServer {
  readonly url: string
  /** What `init` printed. */
  readonly initOutput: string
  readonly process: Started
}

/**
 * In an empty folder, runs the README's `npx @react-custom-data/server init ...` and
 * `... start ...` commands against the server's tarball (`npx --package <tarball>`, which installs
 * its dependencies and nothing else, then runs its `custom-data-server` bin), the start on a free
 * port. A server that needs a dev dependency or a build tool at run time fails here.
 */
export const startPackedServer = async (
  dir: string,
  tarball: string,
  commands: { readonly init: readonly string[]; readonly start: readonly string[] },
): Promise<PackedServer> => {
  await mkdir(dir, { recursive: true })
  const npx = ['--yes', `--package=${tarball}`, '--', 'custom-data-server']
  const initOutput = await runCommand('npx', [...npx, ...commands.init], { cwd: dir })
  const server = startCommand('npx', [...npx, ...commands.start, '--port', '0'], { cwd: dir })
  const [, url = ''] = await server.waitFor(/listening on (http:\/\/\S+)/)
  return { url, initOutput, process: server }
}
