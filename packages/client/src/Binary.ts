/** Decodes standard base64 into bytes. */
export const fromBase64 = (base64: string): Uint8Array =>
  Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))

/**
 * BSON binary data (`$binary`): bytes and a subtype (0 generic, 4 UUID, ...). Field names follow
 * the `bson` package's `Binary`, so code written against realm-web reads the same.
 */
export class Binary {
  declare readonly buffer: Uint8Array
  declare readonly sub_type: number

  constructor(buffer: Uint8Array, subType = 0) {
    // `x & 255` equals `x` exactly for the integers from 0 to 255.
    if (!(buffer instanceof Uint8Array) || (subType & 255) !== subType)
      throw new TypeError('Binary needs a Uint8Array and a subtype from 0 to 255')
    this.buffer = buffer
    this.sub_type = subType
  }

  /** The bytes as standard base64. */
  toBase64(): string {
    return btoa(Array.from(this.buffer, (byte) => String.fromCharCode(byte)).join(''))
  }
}
