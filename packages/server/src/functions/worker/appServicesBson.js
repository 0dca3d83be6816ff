// @ts-check
// The `BSON` and `EJSON` globals of functions: the bson package, with what App Services' own BSON
// module added to `BSON.Binary` (`fromBase64`, `fromHex`, `fromText`, `toBase64`, `toHex`, `text`;
// the "Global Modules" page of App Services' docs), which `context.http` bodies and
// `utils.crypto` results are read with. Also the EJSON text both sides of the worker speak.
import * as bson from 'bson'

const { Binary, EJSON } = bson

/**
 * @param {number | undefined} subType
 * @returns {number}
 */
const subTypeOf = (subType) => (subType === undefined ? Binary.SUBTYPE_DEFAULT : subType)

const binaryStatics = {
  /** @type {(base64: string, subType?: number) => bson.Binary} */
  fromBase64: (base64, subType) =>
    new Binary(Buffer.from(String(base64), 'base64'), subTypeOf(subType)),
  /** @type {(hex: string, subType?: number) => bson.Binary} */
  fromHex: (hex, subType) => new Binary(Buffer.from(String(hex), 'hex'), subTypeOf(subType)),
  /** @type {(text: string, subType?: number) => bson.Binary} */
  fromText: (text, subType) => new Binary(Buffer.from(String(text), 'utf8'), subTypeOf(subType)),
}

/** @param {bson.Binary} binary */
const bytesOf = (binary) =>
  Buffer.from(binary.buffer.buffer, binary.buffer.byteOffset, binary.position)

const binaryMethods = {
  /** @this {bson.Binary} */
  toBase64() {
    return bytesOf(this).toString('base64')
  },
  /** @this {bson.Binary} */
  toHex() {
    return bytesOf(this).toString('hex')
  },
  /** @this {bson.Binary} */
  text() {
    return bytesOf(this).toString('utf8')
  },
}

for (const [name, value] of Object.entries(binaryStatics)) {
  Object.defineProperty(Binary, name, { value, writable: true, configurable: true })
}
for (const [name, value] of Object.entries(binaryMethods)) {
  Object.defineProperty(Binary.prototype, name, { value, writable: true, configurable: true })
}

/** A BSON.Binary of these bytes. */
export const binaryOf = (/** @type {Uint8Array} */ bytes) =>
  new Binary(bytes, Binary.SUBTYPE_DEFAULT)

/** The bytes of a BSON.Binary, without a copy. */
export const bytesOfBinary = bytesOf

/** The `BSON` global: the bson package's exports, App Services' additions included. */
export const BSON = Object.freeze({ ...bson })
export { EJSON }

/**
 * @param {unknown} value
 * @returns {string | undefined}
 */
const typeOf = (value) =>
  value !== null && typeof value === 'object' && '_bsontype' in value
    ? String(value._bsontype)
    : undefined

/**
 * The server's decoding: numbers where JavaScript holds them exactly, Long where it cannot, bson's
 * classes for the rest.
 * @param {unknown} value
 * @returns {unknown}
 */
export const toNative = (value) => {
  const type = typeOf(value)
  if (type === 'Int32' || type === 'Double') return /** @type {bson.Int32} */ (value).valueOf()
  if (type === 'Long') {
    const asNumber = /** @type {bson.Long} */ (value).toNumber()
    return Number.isSafeInteger(asNumber) ? asNumber : value
  }
  if (Array.isArray(value)) return value.map(toNative)
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    /** @type {Record<string, unknown>} */
    const out = {}
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a "__proto__" key stays a key.
      Object.defineProperty(out, key, {
        value: toNative(item),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return value
}

/** Canonical EJSON text → values. */
export const decode = (/** @type {string} */ text) =>
  toNative(EJSON.parse(text, { relaxed: false }))

/** Values → canonical EJSON text (`undefined` is `null`). */
export const encode = (/** @type {unknown} */ value) =>
  EJSON.stringify(/** @type {object} */ (value === undefined ? null : value), { relaxed: false })

/** A deep copy through EJSON, so a call may change what it was given and no other call sees it. */
export const copy = (/** @type {unknown} */ value) =>
  value === undefined ? undefined : decode(encode(value))
