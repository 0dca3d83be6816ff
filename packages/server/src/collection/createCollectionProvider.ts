import type { Store } from '../store/Store'
import { systemAccess, type CollectionAccess } from './CollectionAccess'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { invalidParameter } from './mongoError'
import type { CollectionRules, DataSource } from './CollectionRules'
import { createRuleAccess } from './createRuleAccess'
import { createCollection, type Collection } from './createCollection'
import type { CustomDataLocation } from './CustomDataLocation'
import { ownDocumentAccess } from './ownDocumentAccess'
import type { RuleContext, RuleFunctionCaller } from './ruleExpression'

/** The user rules are evaluated for (`%%user` in them): App Services' user object. */
export interface CollectionUser {
  readonly id: string
}

/** Who opens a collection, and for whom. */
export interface CollectionRequest {
  readonly service: string
  readonly db: string
  readonly coll: string
  /** The user the rules are evaluated for; null for the system user. */
  readonly user: CollectionUser | null
  /** System access bypasses every rule (`run_as_system` functions, the server's own calls). */
  readonly system: boolean
  /** `function`: an application-auth function; `client`: realm-web's `mongoClient`. */
  readonly caller: 'function' | 'client'
  /** `%%request` for the rules: `context.request` of the HTTP request behind the operation. */
  readonly request?: Readonly<Record<string, unknown>>
  /** Set for a trigger function's operations: see `CollectionOptions.triggerDepth`. */
  readonly triggerDepth?: number
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
   * The rules `open` would apply, alone: what a `watch()` checks each change against. Throws as
   * `open` does.
   */
  access(request: CollectionRequest): CollectionAccess
  /**
   * What rule expressions outside collections (`can_evaluate`) are evaluated against for this
   * caller: `%%user`, `%%values`, `%%environment`, `%%request`, and `%function`.
   */
  ruleContext(user: CollectionUser | null, request?: Readonly<Record<string, unknown>>): RuleContext
}

export interface CollectionProviderOptions {
  readonly store: Store
  /** The app's MongoDB data sources and their rules, by service name (`data_sources/`). */
  readonly dataSources: ReadonlyMap<string, DataSource>
  /** Where custom user data lives; null when the app has none. */
  readonly customData: CustomDataLocation | null
  /** `%%values` for rule expressions: the app's values, secrets resolved. */
  readonly values: Readonly<Record<string, unknown>>
  /** The custom-data document size limit (it travels in tokens), in bytes of JSON. */
  readonly customDataMaxBytes: number
  /** Wakes the change feed's readers after a write commits (`ChangeFeed.announce`). */
  readonly announce?: () => void
  /** `%%environment` for rule expressions: `{ tag, values }`. */
  readonly environment?: Readonly<Record<string, unknown>>
  /** Runs `%function` in rule expressions (with its own time limit); without it they deny. */
  readonly callFunction?: RuleFunctionCaller
}

export const createCollectionProvider = (
  options: CollectionProviderOptions,
): CollectionProvider => {
  const { dataSources, store, values } = options
  const custom = options.customData
  const services = [
    ...new Set([
      ...(dataSources.size > 0 ? dataSources.keys() : ['mongodb-atlas']),
      ...(custom ? [custom.serviceName] : []),
    ]),
  ]

  const rulesFor = (request: CollectionRequest): CollectionRules | undefined => {
    const source = dataSources.get(request.service)
    return (
      source?.collections.get(`${request.db}.${request.coll}`) ?? source?.defaultRule ?? undefined
    )
  }

  const ruleContext = (
    user: CollectionUser | null,
    request?: Readonly<Record<string, unknown>>,
  ): RuleContext => ({
    user: user as Readonly<Record<string, unknown>> | null,
    values,
    ...(options.environment ? { environment: options.environment } : {}),
    ...(request ? { request } : {}),
    ...(options.callFunction ? { callFunction: options.callFunction } : {}),
  })

  const accessFor = (request: CollectionRequest): CollectionAccess => {
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
    return access
  }

  return {
    services,
    values,
    ruleContext,
    open(request) {
      const isCustomData =
        custom !== null &&
        request.service === custom.serviceName &&
        request.db === custom.databaseName &&
        request.coll === custom.collectionName
      const access = accessFor(request)
      return createCollection({
        store,
        db: request.db,
        coll: request.coll,
        access,
        ...(options.announce ? { announce: options.announce } : {}),
        ...(request.triggerDepth ? { triggerDepth: request.triggerDepth } : {}),
        ...(isCustomData && custom
          ? { userIdField: custom.userIdField, maxDocumentBytes: options.customDataMaxBytes }
          : {}),
      })
    },
    access: accessFor,
  }
}
