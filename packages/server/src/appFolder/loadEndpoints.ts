import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compileRuleExpression, type RuleExpression } from '../collection/ruleExpression'
import type {
  EndpointAuthentication,
  EndpointConfig,
  EndpointValidation,
  FunctionDefinition,
} from './AppConfig'
import { functionBodyOf } from './functionBodyOf'
import { expectObject, isObject, optionalFlag, optionalString } from './jsonFields'
import { loadPart, type LoadReport } from './LoadReport'
import { AppFolderError, readJsonFile } from './readJsonFile'
import { runAsScriptName } from './runAsScriptName'

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', '*'])
const VALIDATIONS = new Set(['NO_VALIDATION', 'SECRET_AS_QUERY_PARAM', 'VERIFY_PAYLOAD'])

/** What loading endpoints adds to the app: the endpoints, and functions webhooks bring along. */
export interface LoadedEndpoints {
  readonly endpoints: EndpointConfig[]
  /** Webhooks' `source.js` and `run_as_user_id_script_source`, as private functions. */
  readonly functions: FunctionDefinition[]
}

const methodOf = (value: unknown, where: string): string => {
  const method = typeof value === 'string' ? value.toUpperCase() : ''
  const normal = method === 'ANY' ? '*' : method
  if (!METHODS.has(normal)) {
    throw new AppFolderError(
      `${where}: the HTTP method must be GET, POST, PUT, PATCH, DELETE, HEAD or * (got ${JSON.stringify(value)}).`,
    )
  }
  return normal
}

const validationOf = (value: unknown, where: string): EndpointValidation => {
  const method = value ?? 'NO_VALIDATION'
  if (typeof method !== 'string' || !VALIDATIONS.has(method)) {
    throw new AppFolderError(
      `${where}: the validation method must be NO_VALIDATION, SECRET_AS_QUERY_PARAM or VERIFY_PAYLOAD (got ${JSON.stringify(value)}).`,
    )
  }
  return method as EndpointValidation
}

const canEvaluateOf = (value: unknown, where: string): RuleExpression => {
  try {
    return compileRuleExpression(value ?? {}, { documentAllowed: false })
  } catch (error) {
    throw new AppFolderError(
      `${where}: can_evaluate cannot be evaluated: ${(error as Error).message}.`,
    )
  }
}

/** The authentication an endpoint takes from its function's settings (App Services did so). */
const functionAuthentication = (fn: FunctionDefinition): EndpointAuthentication => {
  if (fn.runAsSystem) return { kind: 'system' }
  if (fn.runAsUserId) return { kind: 'user', userId: fn.runAsUserId }
  if (fn.runAsUserIdScriptSource) return { kind: 'script', functionName: runAsScriptName(fn.name) }
  return { kind: 'application' }
}

/** One entry of `https_endpoints/config.json` (or the older `http_endpoints/config.json`). */
const endpointOf = (
  item: unknown,
  where: string,
  functions: ReadonlyMap<string, FunctionDefinition>,
): EndpointConfig => {
  const entry = expectObject(item, where)
  const route = optionalString(entry, 'route', where)
  if (!route?.startsWith('/')) {
    throw new AppFolderError(
      `${where}: "route" must start with "/" (got ${JSON.stringify(route)}).`,
    )
  }
  const at = `${where} (${route})`
  const functionName = optionalString(entry, 'function_name', at)
  const fn = functionName ? functions.get(functionName) : undefined
  if (!functionName || !fn) {
    throw new AppFolderError(
      `${at}: "function_name" must name a function of functions/ (got ${JSON.stringify(functionName)}).`,
    )
  }
  const validation = validationOf(entry.validation_method ?? entry.verification_method, at)
  const secretName = optionalString(entry, 'secret_name', at)
  if (validation !== 'NO_VALIDATION' && !secretName) {
    throw new AppFolderError(`${at}: ${validation} needs a "secret_name".`)
  }
  const returnType = optionalString(entry, 'return_type', at) ?? 'EJSON'
  if (returnType !== 'JSON' && returnType !== 'EJSON') {
    throw new AppFolderError(`${at}: "return_type" must be JSON or EJSON.`)
  }
  return {
    kind: 'endpoint',
    route,
    httpMethod: methodOf(entry.http_method, at),
    functionName,
    respondResult: optionalFlag(entry, 'respond_result', at),
    returnType,
    fetchCustomUserData: optionalFlag(entry, 'fetch_custom_user_data', at),
    createUserOnAuth: optionalFlag(entry, 'create_user_on_auth', at),
    disabled: optionalFlag(entry, 'disabled', at),
    validation,
    secret: validation === 'NO_VALIDATION' || !secretName ? null : { name: secretName },
    authentication: functionAuthentication(fn),
    canEvaluate: fn.canEvaluate,
    where: at,
  }
}

const subfolders = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()

/** The function a webhook's `source.js` becomes: private, reachable only through the webhook. */
export const webhookFunctionName = (service: string, name: string): string =>
  `incoming_webhook/${service}/${name}`

/** One `http_endpoints/<service>/incoming_webhooks/<name>/` folder. */
const webhookOf = async (
  base: string,
  service: string,
  folder: string,
): Promise<{ endpoint: EndpointConfig; functions: FunctionDefinition[] }> => {
  const dir = join(base, 'incoming_webhooks', folder)
  const configPath = join(dir, 'config.json')
  const entry = expectObject((await readJsonFile(configPath)) ?? {}, configPath)
  const name = optionalString(entry, 'name', configPath) ?? folder
  const sourcePath = join(dir, 'source.js')
  const source = await readFile(sourcePath, 'utf8').catch(() => undefined)
  if (source === undefined) throw new AppFolderError(`${sourcePath} is missing.`)
  const options = entry.options ?? {}
  if (!isObject(options)) throw new AppFolderError(`${configPath}: "options" must be an object.`)
  const validation = validationOf(options.validationMethod, configPath)
  const secretValue = optionalString(options, 'secret', configPath)
  const secretName = optionalString(options, 'secret_name', configPath)
  const functionName = webhookFunctionName(service, name)
  const scriptSource = optionalString(entry, 'run_as_user_id_script_source', configPath) || null
  const userId = optionalString(entry, 'run_as_user_id', configPath) || null
  if (scriptSource && userId) {
    throw new AppFolderError(
      `${configPath}: "run_as_user_id" and "run_as_user_id_script_source" cannot be used together.`,
    )
  }
  // App Services: credentials of the caller (run_as_authed_user), a fixed user, a script, or else
  // the system user.
  const authentication: EndpointAuthentication = optionalFlag(
    entry,
    'run_as_authed_user',
    configPath,
  )
    ? { kind: 'application' }
    : userId
      ? { kind: 'user', userId }
      : scriptSource
        ? { kind: 'script', functionName: runAsScriptName(functionName) }
        : { kind: 'system' }
  const functions: FunctionDefinition[] = [
    {
      name: functionName,
      path: sourcePath,
      source,
      ...functionBodyOf(source, sourcePath),
      private: true,
      runAsSystem: false,
      disableArgLogs: true,
      canEvaluate: compileRuleExpression({}, { documentAllowed: false }),
    },
  ]
  if (scriptSource) {
    functions.push(
      scriptFunction(functionName, scriptSource, {
        path: sourcePath,
        where: `${configPath} (run_as_user_id_script_source)`,
      }),
    )
  }
  return {
    endpoint: {
      kind: 'webhook',
      route: `${service}/${name}`,
      httpMethod: methodOf(options.httpMethod ?? 'ANY', configPath),
      functionName,
      respondResult: optionalFlag(entry, 'respond_result', configPath),
      returnType: 'EJSON',
      fetchCustomUserData: optionalFlag(entry, 'fetch_custom_user_data', configPath),
      createUserOnAuth: optionalFlag(entry, 'create_user_on_auth', configPath),
      disabled: optionalFlag(entry, 'disabled', configPath),
      validation,
      secret:
        validation === 'NO_VALIDATION'
          ? null
          : secretName
            ? { name: secretName }
            : { value: secretValue ?? '' },
      authentication,
      canEvaluate: canEvaluateOf(entry.can_evaluate, configPath),
      where: configPath,
    },
    functions,
  }
}

/**
 * A `run_as_user_id_script_source` as a private function the server can call. It runs beside its
 * owner's file (`path`: what it `require`s resolves from there); `where` names it in messages.
 */
export const scriptFunction = (
  owner: string,
  source: string,
  { path, where }: { readonly path: string; readonly where: string },
): FunctionDefinition => ({
  name: runAsScriptName(owner),
  path,
  source,
  ...functionBodyOf(source, where),
  private: true,
  runAsSystem: true,
  disableArgLogs: true,
  canEvaluate: compileRuleExpression({}, { documentAllowed: false }),
})

/**
 * Reads the app's HTTPS endpoints (`https_endpoints/config.json`, or `http_endpoints/config.json`
 * in exports of the older format) and legacy incoming webhooks of HTTP services
 * (`http_endpoints/<service>/incoming_webhooks/<name>/config.json` and `source.js`). Two enabled
 * endpoints for one route and method, or one naming a function that does not exist, stop the
 * start. Webhooks of other service types (GitHub, Twilio) and the generated Data API endpoints
 * (`data_api_config.json`) are reported as ignored.
 */
export const loadEndpoints = async (
  dir: string,
  functions: ReadonlyMap<string, FunctionDefinition>,
  report: LoadReport,
): Promise<LoadedEndpoints> => {
  const endpoints: EndpointConfig[] = []
  const extra: FunctionDefinition[] = []
  for (const folder of ['https_endpoints', 'http_endpoints']) {
    const configPath = join(dir, folder, 'config.json')
    await loadPart(
      report,
      async () => {
        const raw = await readJsonFile(configPath)
        if (raw === undefined) return
        if (!Array.isArray(raw)) throw new AppFolderError(`${configPath} must hold a JSON array.`)
        raw.forEach((item, index) => {
          endpoints.push(endpointOf(item, `${configPath} [${index}]`, functions))
        })
      },
      undefined,
    )
    const dataApi = await readJsonFile(join(dir, folder, 'data_api_config.json')).catch(
      () => undefined,
    )
    if (isObject(dataApi) && dataApi.disabled === false) {
      report.ignored.push({
        feature: 'Data API (generated endpoints)',
        where: `${folder}/data_api_config.json`,
        count: 1,
        note: 'the generated /endpoint/data/v1 routes answer 404; write HTTPS endpoints instead',
      })
    }
  }

  const servicesRoot = join(dir, 'http_endpoints')
  const other: string[] = []
  for (const service of await subfolders(servicesRoot)) {
    const base = join(servicesRoot, service)
    const config = await loadPart(
      report,
      async () =>
        expectObject(
          (await readJsonFile(join(base, 'config.json'))) ?? {},
          join(base, 'config.json'),
        ),
      {},
    )
    const type = typeof config.type === 'string' ? config.type : 'http'
    const name = typeof config.name === 'string' ? config.name : service
    const hooks = await subfolders(join(base, 'incoming_webhooks'))
    if (type !== 'http') {
      if (hooks.length > 0) other.push(`${name} (${type})`)
      continue
    }
    for (const hook of hooks) {
      await loadPart(
        report,
        async () => {
          const loaded = await webhookOf(base, name, hook)
          endpoints.push(loaded.endpoint)
          extra.push(...loaded.functions)
        },
        undefined,
      )
    }
    if ((await readdir(join(base, 'rules')).catch(() => [])).length > 0) {
      report.ignored.push({
        feature: 'HTTP service actions',
        where: `http_endpoints/${service}/rules/`,
        count: 1,
        note: `context.services.get("${name}").get() and the like answer undefined; use context.http`,
      })
    }
  }
  if (other.length > 0) {
    report.ignored.push({
      feature: 'webhooks of third-party services',
      where: 'http_endpoints/',
      count: other.length,
      note: `${other.join(', ')}: convert them to HTTPS endpoints that parse the request body`,
    })
  }

  await loadPart(report, () => checkRoutes(endpoints), undefined)
  return { endpoints, functions: extra }
}

/** Two enabled endpoints for one route and method would leave one of them unreachable. */
const checkRoutes = (endpoints: readonly EndpointConfig[]): void => {
  const seen = new Map<string, EndpointConfig>()
  for (const endpoint of endpoints) {
    if (endpoint.disabled) continue
    const key = `${endpoint.kind} ${endpoint.route} ${endpoint.httpMethod}`
    const twin = seen.get(key)
    if (twin) {
      throw new AppFolderError(
        `${endpoint.where} and ${twin.where} both handle ${endpoint.httpMethod} ${endpoint.route}; disable one.`,
      )
    }
    seen.set(key, endpoint)
  }
}
