import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

const bundle = async (entry: string): Promise<string> => {
  const result = await build({
    entryPoints: [here(entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    conditions: ['source'],
    define: { 'process.env.NODE_ENV': '"development"' },
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]?.text ?? ''
}

const html = (body: string) => `<!doctype html><meta charset="utf-8" /><body>${body}</body>`
// A button that runs what the test put in `window.action`: popups open on a click, as in an app.
const GO = `<button id="go" onclick="window.started = window.action()">go</button>`

/** The test pages on their own origin (127.0.0.1, another port than the server's). */
export interface Pages {
  readonly origin: string
  /** The page's URL for an app id and the API server. */
  url(page: 'realm-web' | 'client' | 'hooks', options: { app: string; api: string }): string
  close(): Promise<void>
}

/**
 * Serves the pages of the Chromium tests: realm-web 2.0.1 (its own browser build, unmodified) and
 * its redirect page; our client and its redirect page; the React hooks with the demo's sign-in
 * buttons. The redirect pages are the `redirect_uris` of the test app.
 */
export const servePages = async (): Promise<Pages> => {
  const [realmWeb, client, callback, hooks] = await Promise.all([
    readFile(here('../node_modules/realm-web/dist/bundle.iife.js'), 'utf8'),
    bundle('./pages/clientPage.ts'),
    bundle('./pages/callbackPage.ts'),
    bundle('./pages/hooksPage.tsx'),
  ])
  const files: Record<string, [string, string]> = {
    '/realm-web.js': ['text/javascript', realmWeb],
    '/client.js': ['text/javascript', client],
    '/callback.js': ['text/javascript', callback],
    '/hooks.js': ['text/javascript', hooks],
    '/realm-web.html': [
      'text/html',
      html(`${GO}<script src="/realm-web.js"></script><script>
        const params = new URLSearchParams(location.search)
        window.realmApp = new Realm.App({ id: params.get('app'), baseUrl: params.get('api') })
        window.ready = true
      </script>`),
    ],
    '/realm-web-callback.html': [
      'text/html',
      html(`<script src="/realm-web.js"></script><script>Realm.handleAuthRedirect()</script>`),
    ],
    '/client.html': ['text/html', html(`${GO}<script type="module" src="/client.js"></script>`)],
    '/callback.html': ['text/html', html(`<script type="module" src="/callback.js"></script>`)],
    // The demo's SocialSignIn sends the popup back to auth-callback.html next to the page.
    '/auth-callback.html': [
      'text/html',
      html(`<script type="module" src="/callback.js"></script>`),
    ],
    '/hooks.html': [
      'text/html',
      html(`<div id="root"></div><script type="module" src="/hooks.js"></script>`),
    ],
  }
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://x').pathname]
    if (!file) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': file[0] })
    response.end(file[1])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    url: (page, { app, api }) =>
      `${origin}/${page}.html?${new URLSearchParams({ app, api }).toString()}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
