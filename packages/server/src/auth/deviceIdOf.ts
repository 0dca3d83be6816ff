import { ObjectId } from 'bson'

const HEX_ID = /^[0-9a-f]{24}$/i
const ZERO_ID = '000000000000000000000000'

/**
 * The device id for a login: the one the client sent in `options.device.deviceId` (an ObjectId,
 * or its hex) when valid, else a new one. It must always be 24 hex digits (docs/protocol.md §3.3).
 */
export const deviceIdOf = (body: Record<string, unknown>): string => {
  const options = body.options as { device?: { deviceId?: unknown } } | undefined
  const sent = options?.device?.deviceId
  const hex = sent instanceof ObjectId ? sent.toHexString() : typeof sent === 'string' ? sent : ''
  return HEX_ID.test(hex) && hex !== ZERO_ID ? hex.toLowerCase() : new ObjectId().toHexString()
}
