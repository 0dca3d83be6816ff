import { Hono, type Context } from 'hono'
import type { EndpointConfig } from '../appFolder/AppConfig'
import { createEndpointRunner } from '../endpoints/createEndpointRunner'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'

/** The path under which HTTPS endpoints live, `/app/{appId}/endpoint/{route}`, as App Services. */
export const ENDPOINT_PATH = '/app/:appId/endpoint/*'

/** Whether a request path is an HTTPS endpoint's (for CORS and the static site). */
export const isEndpointPath = (path: string): boolean => /^\/app\/[^/]+\/endpoint(\/|$)/.test(path)

const decode = (path: string): string => {
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

/**
 * HTTPS endpoints and legacy incoming webhooks, at App Services' paths on the server's one base
 * URL: `/app/{appId}/endpoint/{route}` (App Services: `https://data.mongodb-api.com/app/...` or
 * `https://<region>.aws.data.mongodb-api.com/app/...`) and
 * `/api/client/v2.0/app/{appId}/service/{service}/incoming_webhook/{name}` (App Services:
 * `https://webhooks.mongodb-realm.com/api/client/v2.0/app/...`). A route with no endpoint is 404;
 * a known route asked with another method is 405 with `Allow`; disabled endpoints do not exist.
 */
export const endpointRoutes = (ctx: ServerContext): Hono => {
  const run = createEndpointRunner(ctx)
  const live = ctx.app.endpoints.filter((endpoint) => !endpoint.disabled)
  const acceptedIds = new Set([ctx.app.appId, ...ctx.app.appIdAliases])

  const serve = (c: Context, kind: EndpointConfig['kind'], route: string) => {
    const appId = c.req.param('appId') ?? ''
    if (!acceptedIds.has(appId)) {
      throw new ServiceError(
        ErrorCode.AppNotFound,
        `cannot find app using Client App ID '${appId}'`,
      )
    }
    const method = c.req.method.toUpperCase()
    const candidates = live.filter((endpoint) => endpoint.kind === kind && endpoint.route === route)
    const endpoint =
      candidates.find((candidate) => candidate.httpMethod === method) ??
      candidates.find((candidate) => candidate.httpMethod === '*')
    if (!endpoint) {
      if (candidates.length > 0) {
        c.header('Allow', candidates.map((candidate) => candidate.httpMethod).join(', '))
        throw new ServiceError(
          ErrorCode.MethodNotAllowed,
          `the ${kind} ${route} does not answer ${method}`,
        )
      }
      throw new ServiceError(ErrorCode.NotFound, `no ${kind} for ${method} ${route}`)
    }
    return run(c, endpoint)
  }

  return new Hono()
    .all(ENDPOINT_PATH, (c) => {
      const prefix = `/app/${c.req.param('appId') ?? ''}/endpoint`
      const rest = decode(c.req.path).slice(decode(prefix).length)
      const route = rest.length > 1 && rest.endsWith('/') ? rest.slice(0, -1) : rest
      return serve(c, 'endpoint', route)
    })
    .all('/api/client/v2.0/app/:appId/service/:service/incoming_webhook/:name', (c) =>
      serve(c, 'webhook', `${c.req.param('service')}/${c.req.param('name')}`),
    )
}
