const HEX = /^[\da-f]{24}$/i
// The integer part of `value` as `digits` hex digits.
const hex = (value: number, digits: number): string =>
  Math.floor(value).toString(16).padStart(digits, '0')
// Five random bytes per process (ten hex digits: 1e12 < 16^10) and a counter from a random
// start, as MongoDB's drivers do.
const processUnique = hex(Math.random() * 1e12, 10)
let counter = Math.random() * 0x1000000

/** A MongoDB ObjectId: 12 bytes, shown as 24 hex digits. Small on purpose: no `bson` dependency. */
export class ObjectId {
  readonly #hex: string

  /** Wraps a 24-hex string, or makes a new id when none is given. */
  constructor(id?: string) {
    if (id === undefined) {
      id = hex(Date.now() / 1000, 8) + processUnique + hex(++counter % 0x1000000, 6)
    } else if (!HEX.test(id)) throw new TypeError(`ObjectId needs 24 hex digits, got "${id}"`)
    this.#hex = id.toLowerCase()
  }

  /** The 24 lowercase hex digits. */
  toHexString(): string {
    return this.#hex
  }

  toString(): string {
    return this.#hex
  }

  toJSON(): string {
    return this.#hex
  }

  /** The creation time encoded in the id's first four bytes. */
  getTimestamp(): Date {
    return new Date(parseInt(this.#hex.slice(0, 8), 16) * 1000)
  }

  /** Whether `other` is an ObjectId with the same bytes. */
  equals(other: unknown): boolean {
    return other instanceof ObjectId && other.#hex === this.#hex
  }
}
