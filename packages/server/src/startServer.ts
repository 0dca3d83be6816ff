import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { LevelWithSilent } from 'pino'
import { loadAppFolder } from './appFolder/loadAppFolder'
import { createLogger } from './createLogger'
import { createServer, type CustomDataServer } from './createServer'
import { openStore, type StoreOptions } from './store/openStore'

export interface StartServerOptions {
  /** The App Services app folder to serve. */
  readonly appDir: string
  /** Where the data lives. Default: PGlite in memory. */
  readonly store?: StoreOptions
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port?: number
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string
  readonly logLevel?: LevelWithSilent
}

/** A server listening on a real port. */
export interface RunningServer {
  /** The base URL clients use, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly port: number
  readonly server: CustomDataServer
  /** Stops listening, waits for in-flight requests, then closes the function runtime and the store. */
  close(): Promise<void>
}

/** Opens the store, loads the app folder and listens: what `custom-data-server start` does. */
export const startServer = async (options: StartServerOptions): Promise<RunningServer> => {
  const logger = createLogger(options.logLevel ?? 'info')
  const app = await loadAppFolder(options.appDir)
  const store = await openStore(options.store ?? { dataDir: ':memory:' })
  let server: CustomDataServer
  try {
    server = await createServer({ app, store, logger })
  } catch (error) {
    await store.close()
    throw error
  }
  const host = options.host ?? '127.0.0.1'
  const { http, port } = await new Promise<{ http: ServerType; port: number }>(
    (resolve, reject) => {
      const listening = serve(
        {
          fetch: server.fetch,
          port: options.port ?? 8080,
          hostname: host,
          overrideGlobalObjects: false,
        },
        (info: AddressInfo) => resolve({ http: listening, port: info.port }),
      )
      listening.once('error', reject)
    },
  )
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  logger.info({ url, appId: app.appId, store: store.kind }, 'listening')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    server,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          http.close(() => resolve())
          // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
          if ('closeIdleConnections' in http) http.closeIdleConnections()
        })
        await server.close()
        await store.close()
      })()
      return closing
    },
  }
}
