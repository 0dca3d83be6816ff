import type { Context } from 'hono'
import { decodeEjson } from '../ejson/ejsonCodec'
import { ErrorCode, ServiceError } from './ServiceError'

export const tooLarge = (max: number): ServiceError =>
  new ServiceError(413, ErrorCode.PayloadTooLarge, `request body exceeds ${max} bytes`)

/** Reads the body as text, failing with 413 as soon as it grows past `max` bytes. */
const readText = async (request: Request, max: number): Promise<string> => {
  if (!request.body) return ''
  const reader = (request.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      throw tooLarge(max)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Reads a JSON request body and decodes its EJSON (canonical, relaxed or plain, PROTOCOL.md §1.2).
 * An empty body reads as `{}`; anything else that is not JSON is a 400 that says so.
 */
export const readEjsonBody = async (c: Context, maxBytes: number): Promise<unknown> => {
  const text = await readText(c.req.raw, maxBytes)
  if (text.trim() === '') return {}
  const type = c.req.header('content-type')
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new ServiceError(
      415,
      ErrorCode.UnsupportedMediaType,
      `expected a JSON body, got content-type "${type}"`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ServiceError(
      400,
      ErrorCode.BadRequest,
      `request body is not valid JSON: ${(error as Error).message}`,
    )
  }
  try {
    return decodeEjson(parsed)
  } catch (error) {
    throw new ServiceError(
      400,
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
    throw new ServiceError(400, ErrorCode.BadRequest, 'request body must be a JSON object')
  }
  return body as Record<string, unknown>
}
