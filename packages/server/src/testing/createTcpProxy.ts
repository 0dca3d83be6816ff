import { createServer, connect, type Server, type Socket } from 'node:net'

/** A TCP proxy on 127.0.0.1 that a test can cut and restore, like a network between two hosts. */
export interface TcpProxy {
  readonly port: number
  /** A `postgres://` URL through the proxy, from one that goes straight to the server. */
  urlFor(databaseUrl: string): string
  /** Drops every connection at once and refuses new ones (the port stays reserved). */
  cut(): void
  /**
   * Accepts new connections but never forwards them nor answers: a database host that stopped
   * responding. Open connections are dropped.
   */
  stall(): void
  /** Accepts and forwards connections again. */
  restore(): void
  close(): Promise<void>
}

/**
 * Forwards 127.0.0.1:<port> to `target`. Cutting it is what a database restart, a failover or a
 * network partition looks like from the server: open connections end, new ones are refused.
 * For tests that must not restart a database other suites share.
 */
export const createTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  const sockets = new Set<Socket>()
  // Connections accepted while stalled: held open, never answered.
  const stalled = new Set<Socket>()
  let mode: 'open' | 'cut' | 'stalled' = 'open'
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy()
      return
    }
    if (mode === 'stalled') {
      stalled.add(client)
      client.on('close', () => stalled.delete(client))
      client.on('error', () => {})
      return
    }
    const upstream = connect(target.port, target.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      return url.toString()
    },
    cut() {
      mode = 'cut'
      for (const socket of sockets) socket.destroy()
    },
    stall() {
      mode = 'stalled'
      for (const socket of sockets) socket.destroy()
    },
    restore() {
      mode = 'open'
      for (const socket of stalled) socket.destroy()
    },
    close: () =>
      new Promise<void>((resolve) => {
        mode = 'cut'
        for (const socket of [...sockets, ...stalled]) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
