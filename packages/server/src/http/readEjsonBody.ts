import type { Context } from 'hono'
import { decodeEjson } from '../ejson/ejsonCodec'
import { checkJsonSafety } from './checkJsonSafety'
import { readRawBody } from './readRawBody'
import { ErrorCode, ServiceError } from '../errors/ServiceError'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Reads the body as text, failing with 413 as soon as it grows past `max` bytes. */
const readText = async (request: Request, max: number): Promise<string> => {
  const body = await readRawBody(request, max)
  try {
    // Fatal: invalid UTF-8 is refused rather than stored as silently altered text.
    return utf8.decode(body)
  } catch {
    throw new ServiceError(ErrorCode.BadRequest, 'request body is not valid UTF-8')
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

/**
 * Reads a JSON request body and decodes its EJSON (canonical, relaxed or plain, docs/protocol.md §1.2).
 * An empty body reads as `{}`. Everything else that is not safe JSON is refused before any handler
 * sees it: a body over `maxBytes` (413), another content type (415), invalid JSON or UTF-8 (400),
 * and what `checkJsonSafety` refuses: prototype-polluting keys, NUL characters, unpaired
 * surrogates, absurd nesting, integers past 2^53 (400). Duplicate keys: the last one wins.
 */
export const readEjsonBody = async (c: Context, maxBytes: number): Promise<unknown> => {
  const type = c.req.header('content-type')
  const text = await readText(c.req.raw, maxBytes)
  if (text.trim() === '') return {}
  if (type && !JSON_TYPE.test(type)) {
    throw new ServiceError(
      ErrorCode.UnsupportedMediaType,
      `expected a JSON body (content-type application/json), got "${type}"`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ServiceError(
      ErrorCode.BadRequest,
      `request body is not valid JSON: ${(error as Error).message}`,
    )
  }
  checkJsonSafety(parsed)
  try {
    return decodeEjson(parsed)
  } catch (error) {
    throw new ServiceError(
      ErrorCode.BadRequest,
      `request body is not valid EJSON: ${(error as Error).message}`,
    )
  }
}

/** Reads a body that must be a JSON object. */
export const readEjsonObject = async (
  c: Context,
  maxBytes: number,
): Promise<Record<string, unknown>> => {
  const body = await readEjsonBody(c, maxBytes)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ServiceError(ErrorCode.BadRequest, 'request body must be a JSON object')
  }
  return body as Record<string, unknown>
}
