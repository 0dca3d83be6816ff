import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const clientEntry = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url))

// A page that loads the client and opens the app named in its query string, as a tab of a real
// app would: `?api=<server url>&autoRefresh=1`. Tests drive it through `window.app`.
const page = `<!doctype html>
<meta charset="utf-8" />
<title>client tab</title>
<script type="module">
  import * as client from '/client.js'
  const params = new URLSearchParams(location.search)
  window.client = client
  window.app = new client.App({
    id: params.get('app'),
    baseUrl: params.get('api'),
    autoRefresh: params.get('autoRefresh') === '1',
  })
  window.ready = true
</script>`

/** A local HTTP server for the test page and the client bundled for browsers with esbuild. */
export interface ClientPageServer {
  /** The page's URL for an app id and API server. */
  pageUrl(options: { appId: string; api: string; autoRefresh?: boolean }): string
  close(): Promise<void>
}

export const serveClientPage = async (): Promise<ClientPageServer> => {
  const bundle = await build({
    entryPoints: [clientEntry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    if (path === '/client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' })
      response.end(script)
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end(page)
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    pageUrl: ({ appId, api, autoRefresh = false }) =>
      `${origin}/?${new URLSearchParams({ app: appId, api, autoRefresh: autoRefresh ? '1' : '0' })}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
