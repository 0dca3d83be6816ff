import { demoAppDir, spawnCli } from '@react-custom-data/server/testing'

/** The server's CLI serving the demo's backend and its built pages, as one process. */
export interface DemoServer {
  readonly url: string
  /** Stops the server the way Ctrl-C does, and waits for it to exit. */
  stop(): Promise<void>
}

/**
 * `custom-data-server start --app apps/demo/backend --static <dist>`: the one-process deployment
 * of docs/deploying.md, on a free port, with PGlite in memory.
 */
export const startDemoServer = async (distDir: string): Promise<DemoServer> => {
  const cli = spawnCli([
    'start',
    ...['--app', demoAppDir, '--static', distDir],
    ...['--port', '0', '--data', ':memory:', '--log-level', 'warn'],
  ])
  const url = await cli.listening()
  let stopped: Promise<void> | undefined
  return {
    url,
    stop() {
      stopped ??= (async () => {
        if (cli.child.exitCode === null) cli.child.kill('SIGINT')
        await cli.exited
      })()
      return stopped
    },
  }
}
