const HEX = /^[0-9a-f]{24}$/i
let counter = Math.floor(Math.random() * 0xffffff)

const randomHex = (bytes: number): string => {
  const values = new Uint8Array(bytes)
  globalThis.crypto.getRandomValues(values)
  return Array.from(values, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
// Five random bytes per process, as MongoDB's drivers do.
const processUnique = randomHex(5)

/** A MongoDB ObjectId: 12 bytes, shown as 24 hex digits. Small on purpose: no `bson` dependency. */
export class ObjectId {
  readonly #hex: string

  /** Wraps a 24-hex string, or makes a new id when none is given. */
  constructor(hex?: string) {
    if (hex === undefined) {
      counter = (counter + 1) % 0x1000000
      const seconds = Math.floor(Date.now() / 1000)
      this.#hex =
        seconds.toString(16).padStart(8, '0') +
        processUnique +
        counter.toString(16).padStart(6, '0')
    } else if (HEX.test(hex)) {
      this.#hex = hex.toLowerCase()
    } else {
      throw new TypeError(`ObjectId needs 24 hex digits, got "${hex}"`)
    }
  }

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

  equals(other: unknown): boolean {
    return other instanceof ObjectId && other.#hex === this.#hex
  }
}
