import type { AppConfig } from '../appFolder/AppConfig'
import type { FunctionUser } from '../functions/FunctionRunner'
import type { Store } from '../store/Store'
import { systemAccess, type CollectionAccess } from './CollectionAccess'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { invalidParameter } from './mongoError'
import { createRuleAccess, type CollectionRules } from './CollectionRules'
import { createCollection, type Collection, type WriteListener } from './createCollection'
import { ownDocumentAccess } from './ownDocumentAccess'

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
}

/** Opens collections with the right rules for each caller. */
export interface CollectionProvider {
  /** The data-source names `context.services.get(name)` and service calls accept. */
  readonly services: readonly string[]
  /** The app's values, secrets resolved: `%%values` in rules and `can_evaluate`. */
  readonly values: Readonly<Record<string, unknown>>
  /** Throws `ServiceError` for an unknown service or a collection no rule covers. */
  open(request: CollectionRequest): Collection
}

export interface CollectionProviderOptions {
  readonly app: AppConfig
  readonly store: Store
  /** `%%values` for rule expressions: the app's values, secrets resolved. */
  readonly values: Readonly<Record<string, unknown>>
  /** The custom-data document size limit (it travels in tokens), in bytes of JSON. */
  readonly customDataMaxBytes: number
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

  return {
    services,
    values,
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
          access = createRuleAccess(
            rules,
            { user: request.user as Record<string, unknown> | null, values },
            namespace,
          )
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
