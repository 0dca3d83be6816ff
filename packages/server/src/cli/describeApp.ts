import type { AppConfig, EndpointAuthentication, EndpointConfig } from '../appFolder/AppConfig'
import { runAsScriptName } from '../appFolder/runAsScriptName'

const authentication = (auth: EndpointAuthentication): string => {
  switch (auth.kind) {
    case 'application':
      return 'caller credentials'
    case 'system':
      return 'system'
    case 'user':
      return `as user ${auth.userId}`
    case 'script':
      return 'user chosen by a script'
  }
}

const endpointLine = (endpoint: EndpointConfig): string => {
  const method = endpoint.httpMethod === '*' ? 'any method' : endpoint.httpMethod
  const route =
    endpoint.kind === 'webhook'
      ? `${endpoint.route} (${method})`
      : `${endpoint.httpMethod === '*' ? 'ANY' : endpoint.httpMethod} ${endpoint.route}`
  const details = [
    authentication(endpoint.authentication),
    ...(endpoint.validation === 'NO_VALIDATION' ? [] : [endpoint.validation]),
    ...(endpoint.disabled ? ['disabled'] : []),
  ]
  return `${route} -> ${endpoint.kind === 'webhook' ? 'source.js' : endpoint.functionName} (${details.join(', ')})`
}

/** What the server would run for an app folder, as labelled rows (each of lines) for `check`. */
export const describeApp = (app: AppConfig): [label: string, lines: string[]][] => {
  const rows: [string, string[]][] = []
  const providers = Object.values(app.providers)
  const enabled = providers.filter((provider) => !provider.disabled).map((p) => p.name)
  const disabled = providers.filter((provider) => provider.disabled).map((p) => p.name)
  rows.push([
    'auth providers',
    [
      `${enabled.join(', ') || 'none'}${disabled.length > 0 ? ` (disabled: ${disabled.join(', ')})` : ''}`,
    ],
  ])
  // Webhooks' source.js and run-as scripts load as functions too; count the app's own.
  const scriptSuffix = runAsScriptName('')
  const own = [...app.functions.values()].filter(
    (fn) => !fn.name.startsWith('incoming_webhook/') && !fn.name.endsWith(scriptSuffix),
  )
  rows.push([
    'functions',
    [
      `${own.length} (${own.filter((fn) => fn.private).length} private, ${own.filter((fn) => fn.runAsSystem).length} run as system)`,
    ],
  ])
  const endpoints = app.endpoints.filter((endpoint) => endpoint.kind === 'endpoint')
  const webhooks = app.endpoints.filter((endpoint) => endpoint.kind === 'webhook')
  rows.push(['HTTPS endpoints', endpoints.length > 0 ? endpoints.map(endpointLine) : ['none']])
  if (webhooks.length > 0) rows.push(['incoming webhooks', webhooks.map(endpointLine)])
  const rules = [...app.dataSources.values()].map((source) => {
    const namespaces = [...source.collections.keys()]
    return `${source.name}: ${[...namespaces, ...(source.defaultRule ? ['default rule'] : [])].join(', ') || 'no rules (clients reach only their custom data)'}`
  })
  rows.push(['collection rules', rules.length > 0 ? rules : ['none']])
  const custom = app.customUserData
  rows.push([
    'custom user data',
    [
      custom
        ? `${custom.databaseName}.${custom.collectionName} by ${custom.userIdField}${custom.onUserCreationFunctionName ? `, on creation: ${custom.onUserCreationFunctionName}` : ''}`
        : 'off',
    ],
  ])
  rows.push([
    'triggers',
    app.triggers.length > 0
      ? app.triggers.map(
          (t) => `${t.name}: ${t.type} -> ${t.functionName}${t.disabled ? ' (disabled)' : ''}`,
        )
      : ['none'],
  ])
  const values = [...app.values.values()]
  rows.push([
    'values',
    [
      `${values.length}${values.some((value) => value.fromSecret) ? ` (${values.filter((value) => value.fromSecret).length} from secrets)` : ''}`,
    ],
  ])
  return rows
}
