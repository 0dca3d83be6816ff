import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** The 413 for a body past `max` bytes. */
export const tooLarge = (max: number): ServiceError =>
  new ServiceError(ErrorCode.PayloadTooLarge, `request body exceeds ${max} bytes`)

/**
 * The request's body as bytes, refused with 413 as soon as it grows past `max` (whatever its
 * `Content-Length` said): the callers decide how to
 * parse it (endpoints take any content type; `readEjsonBody` decodes JSON).
 */
export const readRawBody = async (request: Request, max: number): Promise<Uint8Array> => {
  if (!request.body) return new Uint8Array()
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
  return Buffer.concat(chunks)
}
