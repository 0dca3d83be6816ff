import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ResumeToken } from './ChangeEvent'

/**
 * A place in the change feed: after the events of every batch before `batch`, and after those of
 * `batch` up to `seq`. Batches are sealed in commit order (feed/sealChanges.ts), so the positions
 * of the events a reader receives only grow, and an event never appears behind one already read.
 */
export interface FeedPosition {
  readonly batch: bigint
  readonly seq: bigint
}

const HEX_DIGITS = 16
const TOKEN = /^[0-9a-f]{32}$/

const hex = (value: bigint): string => value.toString(16).padStart(HEX_DIGITS, '0')

/** The resume token of a position: hexadecimal digits that sort as the positions do. */
export const resumeTokenOf = (position: FeedPosition): ResumeToken => ({
  _data: hex(position.batch) + hex(position.seq),
})

/** The position a resume token stands for; a `ServiceError` (InvalidParameter) for anything else. */
export const feedPositionOf = (token: unknown): FeedPosition => {
  const data = (token as { _data?: unknown } | null)?._data
  if (typeof data !== 'string' || !TOKEN.test(data)) {
    throw new ServiceError(ErrorCode.InvalidParameter, 'not a resume token of this server')
  }
  return {
    batch: BigInt(`0x${data.slice(0, HEX_DIGITS)}`),
    seq: BigInt(`0x${data.slice(HEX_DIGITS)}`),
  }
}

/** Negative when `a` comes first, positive when `b` does, 0 for the same place. */
export const compareFeedPositions = (a: FeedPosition, b: FeedPosition): number =>
  a.batch !== b.batch ? (a.batch < b.batch ? -1 : 1) : a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1

/** The position before every event of `batch`: where a reader at the end of `batch - 1` stands. */
export const startOfBatch = (batch: bigint): FeedPosition => ({ batch, seq: 0n })
