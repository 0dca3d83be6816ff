import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'

type FetchHandler = (request: Request, env?: unknown) => Promise<Response>

/** Paths the server answers itself: a file in the site folder never shadows them. */
export const API_PREFIXES: readonly string[] = ['/api/', '/.well-known/', '/health/']

/** Why a folder cannot be served as a site, or null when it can. */
export const staticSiteProblem = (dir: string): string | null => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `${dir} is not a folder`
  if (!existsSync(join(dir, 'index.html'))) return `${dir} has no index.html (build the app first)`
  return null
}

// The last path segment has a dot: a request for a file (`/assets/x.js`), not for a page.
const looksLikeFile = (path: string): boolean => /\.[^/]*$/.test(path)

/**
 * Serves a built single-page app (a Vite `dist/` folder) next to the API, for one-process
 * deployments (`custom-data-server start --static <dir>`): API paths go to `api` first; other
 * GETs get the file, else `index.html` so the app's own routes survive a reload; a missing file
 * (`/assets/gone.js`) is a 404, never HTML in place of a script. Hashed files under `/assets/`
 * are cached for a year, everything else is revalidated.
 */
export const withStaticSite = (dir: string, api: FetchHandler): FetchHandler => {
  const root = resolve(dir)
  const site = new Hono()
  for (const prefix of API_PREFIXES) site.all(`${prefix}*`, (c) => api(c.req.raw, c.env))
  // HTTPS endpoints live outside /api/, at App Services' /app/{appId}/endpoint/... paths.
  site.all('/app/:appId/endpoint/*', (c) => api(c.req.raw, c.env))
  site.use('*', async (c, next) => {
    await next()
    if (c.res.status >= 400) return
    c.header('X-Content-Type-Options', 'nosniff')
    c.header(
      'Cache-Control',
      c.req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    )
  })
  site.use('*', serveStatic({ root }))
  site.get('*', async (c, next) =>
    looksLikeFile(c.req.path) ? next() : serveStatic({ root, path: 'index.html' })(c, next),
  )
  site.notFound((c) => c.text('Not Found', 404))
  return (request, env) => Promise.resolve(site.fetch(request, env))
}
