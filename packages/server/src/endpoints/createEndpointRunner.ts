import { Binary } from 'bson'
import type { Context } from 'hono'
import type { EndpointConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { functionRequestOf } from '../functions/functionRequestOf'
import type { FunctionRequest } from '../functions/FunctionRunner'
import type { ServerContext } from '../ServerContext'
import { checkEndpointSecret } from './checkEndpointSecret'
import {
  createEndpointAuthenticator,
  CREDENTIAL_HEADERS,
  credentialsOf,
} from './createEndpointAuthenticator'
import { endpointAnswer, type HandlerOutcome } from './endpointAnswer'
import { ENDPOINT_HANDLER } from './endpointHandler'
import { readRawBody } from '../http/readRawBody'
import { fixedUser, scriptUser, type RunAs } from './runAs'

const canonicalName = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-')

// Both are built in Maps, then made objects with fromEntries: a parameter or header named
// "__proto__" stays data instead of reaching a prototype.

/** App Services' `request.query`: each parameter's first value; `secret` is the server's. */
const queryOf = (url: URL): Record<string, string> => {
  const query = new Map<string, string>()
  for (const [key, value] of url.searchParams) {
    if (key !== 'secret' && !query.has(key)) query.set(key, value)
  }
  return Object.fromEntries(query)
}

/** App Services' `request.headers`: canonical names, arrays of values; credentials withheld. */
const headersOf = (request: Request, withhold: boolean): Record<string, string[]> => {
  const headers = new Map<string, string[]>()
  request.headers.forEach((value, key) => {
    if (withhold && CREDENTIAL_HEADERS.has(key)) return
    const name = canonicalName(key)
    headers.set(name, [...(headers.get(name) ?? []), value])
  })
  return Object.fromEntries(headers)
}

/** A webhook's JSON body, read for the credentials App Services let webhooks carry there. */
const jsonFields = (request: Request, body: Uint8Array): Record<string, unknown> | undefined => {
  if (!/json/i.test(request.headers.get('content-type') ?? '') || body.length === 0)
    return undefined
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as unknown
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Answers one request to an HTTPS endpoint or webhook. */
export type EndpointRunner = (c: Context, endpoint: EndpointConfig) => Promise<Response>

/**
 * Runs endpoints and webhooks: body limit, the secret or signature (`validation_method`), who the
 * request runs as (`application` credentials, `system`, a fixed user, a script), `can_evaluate`
 * (with `%%request`), then the function through the endpoint handler, and the answer it built.
 */
export const createEndpointRunner = (ctx: ServerContext): EndpointRunner => {
  const authenticate = createEndpointAuthenticator(ctx)
  return (c, endpoint) => runEndpoint(ctx, c, { endpoint, authenticate })
}

const runEndpoint = async (
  ctx: ServerContext,
  c: Context,
  target: {
    readonly endpoint: EndpointConfig
    readonly authenticate: ReturnType<typeof createEndpointAuthenticator>
  },
): Promise<Response> => {
  const { endpoint, authenticate } = target
  const raw = c.req.raw
  const body = await readRawBody(raw, ctx.settings.maxBodyBytes)
  const url = new URL(raw.url)
  const secret =
    endpoint.secret === null
      ? undefined
      : 'value' in endpoint.secret
        ? endpoint.secret.value
        : ctx.secret(endpoint.secret.name)
  checkEndpointSecret(endpoint, secret, {
    query: url.searchParams.get('secret') ?? undefined,
    signature: c.req.header(
      endpoint.kind === 'webhook' ? 'x-hook-signature' : 'endpoint-signature',
    ),
    body,
  })

  const [service = ''] = endpoint.kind === 'webhook' ? endpoint.route.split('/') : []
  const request: FunctionRequest = {
    ...functionRequestOf(c, {
      service,
      action: endpoint.functionName,
      trustedProxies: ctx.settings.trustedProxies,
    }),
    webhookUrl: endpoint.kind === 'endpoint' ? endpoint.route : url.pathname,
  }
  const application = endpoint.authentication.kind === 'application'
  const payload = {
    query: queryOf(url),
    headers: headersOf(raw, application),
    ...(body.length > 0 ? { body: new Binary(body) } : {}),
  }
  const run = (mode: 'handler' | 'script', fn: string, runAs: RunAs): Promise<unknown> =>
    ctx.functions.call({
      name: ENDPOINT_HANDLER,
      args: [fn, payload, { mode, respondResult: endpoint.respondResult }],
      user: runAs.user,
      ...(runAs.runAsSystem ? { runAsSystem: true } : {}),
      request,
    })

  const where = `the ${endpoint.kind} ${endpoint.route}`
  let runAs: RunAs
  switch (endpoint.authentication.kind) {
    case 'system':
      runAs = { user: null }
      break
    case 'user':
      runAs = await fixedUser(ctx, {
        userId: endpoint.authentication.userId,
        where,
        fetchCustomData: endpoint.fetchCustomUserData,
      })
      break
    case 'script':
      runAs = await scriptUser(
        ctx,
        await run('script', endpoint.authentication.functionName, { user: null }),
        { where, fetchCustomData: endpoint.fetchCustomUserData },
      )
      break
    case 'application': {
      const fields = endpoint.kind === 'webhook' ? jsonFields(raw, body) : undefined
      runAs = { user: await authenticate(c, credentialsOf(c, fields), endpoint) }
      break
    }
  }

  const allowed = await endpoint.canEvaluate.evaluate(
    ctx.collections.ruleContext(runAs.user, { ...request }),
  )
  if (!allowed) {
    throw new ServiceError(
      ErrorCode.NoMatchingRuleFound,
      `rule not matched for ${where}: its can_evaluate expression does not hold for this request`,
    )
  }
  const outcome = (await run('handler', endpoint.functionName, runAs)) as HandlerOutcome
  return endpointAnswer(endpoint, outcome, { method: raw.method, accept: c.req.header('accept') })
}
