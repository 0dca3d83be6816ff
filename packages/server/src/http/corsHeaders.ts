import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

/** What `corsHeaders` answers, as hono's `cors` options. */
export interface CorsHeadersOptions {
  /** The allowed origin for a request's `Origin` (itself), or null for none. */
  readonly origin: (origin: string) => string | null
  readonly allowMethods: readonly string[]
  readonly allowHeaders?: readonly string[]
  readonly exposeHeaders: readonly string[]
  readonly maxAge: number
}

/**
 * CORS with credentials, its headers set on the final response after the route answered.
 * hono's `cors` sets them before the route runs, on a response it creates for that, so Hono
 * copies every route's response into a new one to keep them (about 10% of the main thread on a
 * refresh, issue 19). Preflights (`OPTIONS`) are answered by hono's `cors` itself.
 */
export const corsHeaders = (options: CorsHeadersOptions): MiddlewareHandler => {
  const preflight = cors({
    origin: options.origin,
    allowMethods: [...options.allowMethods],
    ...(options.allowHeaders ? { allowHeaders: [...options.allowHeaders] } : {}),
    exposeHeaders: [...options.exposeHeaders],
    credentials: true,
    maxAge: options.maxAge,
  })
  const expose = options.exposeHeaders.join(',')
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next)
    await next()
    // Set in place: the responses of this server are built with mutable headers (no
    // `Response.redirect`, no proxied `fetch` answer, whose headers are frozen).
    const allowed = options.origin(c.req.header('origin') ?? '')
    const headers = c.res.headers
    if (allowed) headers.set('Access-Control-Allow-Origin', allowed)
    headers.set('Access-Control-Allow-Credentials', 'true')
    if (expose) headers.set('Access-Control-Expose-Headers', expose)
    headers.append('Vary', 'Origin')
  }
}
