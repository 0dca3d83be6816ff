import type { AppConfig } from '../appFolder/AppConfig'
import type { FunctionUser } from '../functions/FunctionRunner'
import type { Store } from '../store/Store'
import { systemAccess, type CollectionAccess } from './CollectionAccess'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { invalidParameter } from './mongoError'
import type { CollectionRules } from './CollectionRules'
import { createRuleAccess } from './createRuleAccess'
import { createCollection, type Collection, type WriteListener } from './createCollection'
import { ownDocumentAccess } from './ownDocumentAccess'
import type { RuleContext, RuleFunctionCaller } from './ruleExpression'

/** Who opens a collection, and for whom. */
export interface CollectionRequest {
  readonly service: string
  readonly db: string
  readonly coll: string
  /** The user the rules are evaluated for; null for the system user. */
  readonly user: FunctionUser | null
  /** System access bypasses every rule (`run_as_system` functions, the server's own calls). */
  readonly system: boolean
  /** `function`: an application-auth function; `client`: realm-web's `mongoClient`. */
  readonly caller: 'function' | 'client'
  readonly onWrite?: WriteListener
  /** `%%request` for the rules: `context.request` of the HTTP request behind the operation. */
  readonly request?: Readonly<Record<string, unknown>>
}

/** Opens collections with the right rules for each caller. */
export interface CollectionProvider {
  /** The data-source names `context.services.get(name)` and service calls accept. */
  readonly services: readonly string[]
  /** The app's values, secrets resolved: `%%values` in rules and `can_evaluate`. */
  readonly values: Readonly<Record<string, unknown>>
  /** Throws `ServiceError` for an unknown service or a collection no rule covers. */
  open(request: CollectionRequest): Collection
  /**
   * What rule expressions outside collections (`can_evaluate`) are evaluated against for this
   * caller: `%%user`, `%%values`, `%%environment`, `%%request`, and `%function`.
   */
  ruleContext(user: FunctionUser | null, request?: Readonly<Record<string, unknown>>): RuleContext
}

export interface CollectionProviderOptions {
  readonly app: AppConfig
  readonly store: Store
  /** `%%values` for rule expressions: the app's values, secrets resolved. */
  readonly values: Readonly<Record<string, unknown>>
  /** The custom-data document size limit (it travels in tokens), in bytes of JSON. */
  readonly customDataMaxBytes: number
  /** Runs `%function` in rule expressions (with its own time limit); without it they deny. */
  readonly callFunction?: RuleFunctionCaller
}

export const createCollectionProvider = (
  options: CollectionProviderOptions,
): CollectionProvider => {
  const { app, store, values } = options
  const custom = app.customUserData
  const services = [
    ...new Set([
      ...(app.dataSources.size > 0 ? app.dataSources.keys() : ['mongodb-atlas']),
      ...(custom ? [custom.serviceName] : []),
    ]),
  ]

  const rulesFor = (request: CollectionRequest): CollectionRules | undefined => {
    const source = app.dataSources.get(request.service)
    return (
      source?.collections.get(`${request.db}.${request.coll}`) ?? source?.defaultRule ?? undefined
    )
  }

  const ruleContext = (
    user: FunctionUser | null,
    request?: Readonly<Record<string, unknown>>,
  ): RuleContext => ({
    user: user as Record<string, unknown> | null,
    values,
    environment: app.environment as unknown as Record<string, unknown>,
    ...(request ? { request } : {}),
    ...(options.callFunction ? { callFunction: options.callFunction } : {}),
  })

  return {
    services,
    values,
    ruleContext,
    open(request) {
      if (!services.includes(request.service)) {
        throw invalidParameter(`service not found: '${request.service}'`)
      }
      const namespace = `${request.db}.${request.coll}`
      const isCustomData =
        custom !== null &&
        request.service === custom.serviceName &&
        request.db === custom.databaseName &&
        request.coll === custom.collectionName
      let access: CollectionAccess = systemAccess
      if (!request.system) {
        const rules = rulesFor(request)
        if (rules) {
          access = createRuleAccess(rules, ruleContext(request.user, request.request), namespace)
        } else if (isCustomData && custom) {
          // Without a rule file, each user reaches their own custom-data document only: readable
          // through mongoClient, writable by application-auth functions called for them (the
          // seed's writeCustomUserData is one).
          access = ownDocumentAccess({
            field: custom.userIdField,
            userId: request.user?.id,
            caller: request.caller,
            namespace,
          })
        } else {
          throw new ServiceError(
            ErrorCode.NoMatchingRuleFound,
            `no rule exists for namespace '${namespace}'`,
          )
        }
      }
      return createCollection({
        store,
        db: request.db,
        coll: request.coll,
        access,
        ...(request.onWrite ? { onWrite: request.onWrite } : {}),
        ...(isCustomData && custom
          ? { userIdField: custom.userIdField, maxDocumentBytes: options.customDataMaxBytes }
          : {}),
      })
    },
  }
}
