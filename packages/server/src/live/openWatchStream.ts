import type { Context } from 'hono'
import type { AccessTokenClaims } from '../auth/createTokenService'
import type { UserProfile } from '../auth/users'
import type { CollectionAccess } from '../collection/CollectionAccess'
import { idKey } from '../collection/documentCodec'
import { compileFilter } from '../collection/mingoQueries'
import { toQueryView } from '../collection/queryView'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import { ErrorCode, isServiceError, ServiceError } from '../errors/ServiceError'
import type { ChangeEvent } from '../feed/ChangeEvent'
import type { FeedChange } from '../feed/changeEventOf'
import { functionRequestOf } from '../functions/functionRequestOf'
import type { FunctionUser } from '../functions/FunctionRunner'
import type { ServerContext } from '../ServerContext'
import type { StreamEndReason } from './createSseStream'
import type { LiveEntry } from './LiveEntry'
import { parseWatchRequest } from './parseWatchRequest'
import { escapeWatchData, sseComment, sseEvent } from './sseFrames'
import { sseResponse } from './sseResponse'

const END_MESSAGES: Record<StreamEndReason, { code: string; message: string }> = {
  logout: { code: ErrorCode.InvalidSession, message: 'the session ended' },
  expired: {
    code: ErrorCode.InvalidSession,
    message: 'invalid session: access token expired or invalid',
  },
  shutdown: { code: ErrorCode.ServiceUnavailable, message: 'the server is shutting down' },
  replaced: { code: ErrorCode.TooManyRequests, message: 'too many open streams for this user' },
  slow: { code: ErrorCode.TooManyRequests, message: 'the reader fell too far behind' },
  closed: { code: ErrorCode.InternalServerError, message: 'the stream closed' },
  error: { code: ErrorCode.InternalServerError, message: 'the stream failed' },
}

/** A change as this caller may see it, or null when it may not read the document. */
const visibleChange = async (
  event: ChangeEvent,
  access: CollectionAccess,
): Promise<ChangeEvent | null> => {
  const { fullDocumentBeforeChange: before, fullDocument: after, ...rest } = event
  // A delete is seen by whoever could read the document it removed.
  const stored = event.operationType === 'delete' ? before : after
  if (!stored) return null
  const view = await access.read(stored)
  if (!view) return null
  if (event.operationType === 'delete') return rest
  const updateDescription = rest.updateDescription && {
    ...rest.updateDescription,
    // Fields hidden from the caller are left out of what changed too.
    updatedFields: Object.fromEntries(
      Object.entries(rest.updateDescription.updatedFields).filter(
        ([path]) => path.split('.')[0]! in view,
      ),
    ),
    removedFields: rest.updateDescription.removedFields.filter(
      (path) => path.split('.')[0]! in view || !(path.split('.')[0]! in stored),
    ),
  }
  return { ...rest, ...(updateDescription ? { updateDescription } : {}), fullDocument: view }
}

/**
 * realm-web's `collection.watch()` (docs/protocol.md §17.7): the streaming function call
 * `GET .../functions/call?baas_request=...` for `watch`. Each change of the namespace that the
 * caller's read rules let it see (the document, or for a delete the document removed) and that
 * its `ids` or `filter` select is sent as a canonical-EJSON change event in a `data:` frame,
 * `%`-escaped as realm-web's WatchStream expects; `fullDocument` is the caller's view of the
 * document. An `event: error` frame carrying `{ error, error_code }` ends the stream.
 */
export const openWatchStream = (
  ctx: ServerContext,
  c: Context,
  access: { claims: AccessTokenClaims; profile: UserProfile },
): Response => {
  const hub = ctx.live
  const watch = parseWatchRequest(c.req.query('baas_request'))
  const { claims, profile } = access
  if (!ctx.collections.services.includes(watch.service)) {
    throw new ServiceError(ErrorCode.ServiceNotFound, `service not found: '${watch.service}'`)
  }
  const user: FunctionUser = {
    id: profile.user_id,
    type: profile.type,
    data: profile.data,
    custom_data: (claims.user_data ? decodeEjson(claims.user_data) : {}) as Record<string, unknown>,
    identities: profile.identities.map(({ id, provider_type }) => ({ id, provider_type })),
  }
  const request = functionRequestOf(c, {
    service: watch.service,
    action: 'watch',
    trustedProxies: ctx.settings.trustedProxies,
  })
  // Throws NoMatchingRuleFound for a namespace no rule covers, before the stream opens.
  const rules = ctx.collections.access({
    service: watch.service,
    db: watch.database,
    coll: watch.collection,
    user,
    system: false,
    caller: 'client',
    request: { ...request },
  })
  const ids = watch.ids ? new Set(watch.ids.map(idKey)) : undefined
  const matches = watch.filter ? compileFilter(watch.filter) : undefined

  let unregister = (): void => {}
  const { stream, response } = sseResponse(c, {
    maxBufferedBytes: ctx.settings.live.maxBufferedBytes,
    onClose: () => unregister(),
  })
  const fail = (code: string, message: string): void =>
    stream.close(
      sseEvent('error', escapeWatchData(JSON.stringify({ error: message, error_code: code }))),
    )

  // One change at a time, in feed order, though a rule may have to run a function first.
  let queue: Promise<void> = Promise.resolve()
  const onChange = ({ event }: FeedChange): void => {
    if (ids && !ids.has(idKey(event.documentKey._id))) return
    queue = queue
      .then(async () => {
        if (stream.closed) return
        const visible = await visibleChange(event, rules)
        if (!visible) return
        if (matches && !matches(toQueryView(visible))) return
        stream.send(`data: ${escapeWatchData(JSON.stringify(encodeCanonical(visible)))}\n\n`)
      })
      .catch((error: unknown) => {
        if (isServiceError(error)) {
          fail(error.code, error.message)
        } else {
          ctx.logger.error({ err: error, userId: claims.sub }, 'watch: a change could not be sent')
          fail(ErrorCode.InternalServerError, 'a change could not be sent')
        }
      })
  }
  const entry: LiveEntry = {
    userId: claims.sub,
    sessionId: claims.baas_id,
    expiresAtMs: claims.exp * 1000,
    watch: { namespace: `${watch.database}.${watch.collection}`, onChange },
    heartbeat: () => stream.send(sseComment('ping')),
    end: (reason) => fail(END_MESSAGES[reason].code, END_MESSAGES[reason].message),
  }
  unregister = hub.add(entry)
  // Sends the headers now: realm-web's watch() resolves its request once they arrive.
  stream.send(sseComment('watching'))
  return response
}
