// @ts-check
// The `utils` global: `utils.crypto` and `utils.jwt` as App Services' "Global Modules" docs define
// them, on node:crypto. Where the docs leave a detail open, App Services' Go implementation is the
// reference: AES is AES-GCM with the 12-byte nonce before the ciphertext and the 16-byte tag after
// it (the docs' example decrypts so), RSA signatures hash with SHA-256 and PSS signs with the
// longest salt and verifies with any (Go's `PSSSaltLengthAuto`).
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import { binaryOf, bytesOfBinary, EJSON } from './appServicesBson.js'

/* eslint-disable max-params -- the signatures are App Services' own, which functions call */

/** @typedef {import('node:crypto').KeyObject} KeyObject */

/** A string (UTF-8), a BSON.Binary or bytes, as bytes. */
const bytesOf = (/** @type {unknown} */ value, /** @type {string} */ what) => {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (value instanceof Uint8Array) return value
  if (
    value !== null &&
    typeof value === 'object' &&
    '_bsontype' in value &&
    value._bsontype === 'Binary'
  ) {
    return bytesOfBinary(/** @type {import('bson').Binary} */ (value))
  }
  throw new TypeError(`${what} must be a string or a BSON.Binary`)
}

const lower = (/** @type {unknown} */ value) => String(value ?? '').toLowerCase()

/** @param {unknown} type @param {string} expected @param {string} method */
const expectType = (type, expected, method) => {
  if (lower(type) !== expected) {
    throw new Error(
      `utils.crypto.${method}: unsupported encryption type "${String(type)}" (use "${expected}")`,
    )
  }
}

/** @param {unknown} key */
const aesKey = (key) => {
  const bytes = bytesOf(key, 'the AES key')
  if (![16, 24, 32].includes(bytes.length)) {
    throw new Error(`crypto/aes: invalid key size ${bytes.length} (a 16, 24 or 32-byte key)`)
  }
  return {
    bytes,
    cipher: /** @type {import('node:crypto').CipherGCMTypes} */ (`aes-${bytes.length * 8}-gcm`),
  }
}

/** @param {unknown} scheme */
const rsaPadding = (scheme, /** @type {boolean} */ signing) => {
  const name = scheme === undefined || scheme === null ? 'pss' : lower(scheme)
  if (name === 'pss') {
    return {
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: signing ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_AUTO,
    }
  }
  if (name === 'pkcs1v15') return { padding: constants.RSA_PKCS1_PADDING }
  throw new Error(`unsupported signature scheme "${String(scheme)}" (use "pss" or "pkcs1v15")`)
}

/** @param {unknown} name @param {readonly string[]} allowed @param {string} method */
const hashName = (name, allowed, method) => {
  const hash = lower(name)
  if (!allowed.includes(hash)) {
    throw new Error(
      `utils.crypto.${method}: unsupported hash function "${String(name)}" (${allowed.join(', ')})`,
    )
  }
  return hash
}

const crypto = Object.freeze({
  /** AES-GCM: a BSON.Binary of nonce, ciphertext and tag. */
  encrypt(/** @type {unknown} */ type, /** @type {unknown} */ message, /** @type {unknown} */ key) {
    expectType(type, 'aes', 'encrypt')
    const { bytes, cipher } = aesKey(key)
    const nonce = randomBytes(12)
    const aes = createCipheriv(cipher, bytes, nonce)
    const sealed = Buffer.concat([aes.update(bytesOf(message, 'the message')), aes.final()])
    return binaryOf(Buffer.concat([nonce, sealed, aes.getAuthTag()]))
  },

  /** The plaintext of `encrypt`'s output, as a BSON.Binary (`.text()` reads it). */
  decrypt(
    /** @type {unknown} */ type,
    /** @type {unknown} */ encrypted,
    /** @type {unknown} */ key,
  ) {
    expectType(type, 'aes', 'decrypt')
    const { bytes, cipher } = aesKey(key)
    const data = bytesOf(encrypted, 'the encrypted message')
    if (data.length < 28) throw new Error('cipher: message authentication failed')
    const aes = createDecipheriv(cipher, bytes, data.subarray(0, 12))
    aes.setAuthTag(data.subarray(data.length - 16))
    try {
      return binaryOf(Buffer.concat([aes.update(data.subarray(12, data.length - 16)), aes.final()]))
    } catch {
      throw new Error('cipher: message authentication failed')
    }
  },

  /** An RSA signature (SHA-256) of the message with a PEM private key (PKCS#1, or PKCS#8). */
  sign(
    /** @type {unknown} */ type,
    /** @type {unknown} */ message,
    /** @type {unknown} */ privateKey,
    /** @type {unknown} */ scheme = undefined,
  ) {
    expectType(type, 'rsa', 'sign')
    const key = createPrivateKey(String(privateKey))
    return binaryOf(
      sign('sha256', bytesOf(message, 'the message'), { key, ...rsaPadding(scheme, true) }),
    )
  },

  /** Whether the signature is the message's, for this PEM public key (PKCS#1 or SPKI). */
  verify(
    /** @type {unknown} */ type,
    /** @type {unknown} */ message,
    /** @type {unknown} */ publicKey,
    /** @type {unknown} */ signature,
    /** @type {unknown} */ scheme = undefined,
  ) {
    expectType(type, 'rsa', 'verify')
    const key = createPublicKey(String(publicKey))
    return verify(
      'sha256',
      bytesOf(message, 'the message'),
      { key, ...rsaPadding(scheme, false) },
      bytesOf(signature, 'the signature'),
    )
  },

  /** An HMAC of the input, as hex or base64 text. */
  hmac(
    /** @type {unknown} */ input,
    /** @type {unknown} */ secret,
    /** @type {unknown} */ hashFunction,
    /** @type {unknown} */ outputFormat,
  ) {
    const hash = hashName(hashFunction, ['sha1', 'sha256', 'sha512'], 'hmac')
    const format = lower(outputFormat)
    if (format !== 'hex' && format !== 'base64') {
      throw new Error(
        `utils.crypto.hmac: unsupported output format "${String(outputFormat)}" (hex, base64)`,
      )
    }
    return createHmac(hash, bytesOf(secret, 'the secret'))
      .update(bytesOf(input, 'the input'))
      .digest(format)
  },

  /** A hash of a string or a BSON.Binary, as a BSON.Binary. */
  hash(/** @type {unknown} */ hashFunction, /** @type {unknown} */ input) {
    const hash = hashName(hashFunction, ['sha1', 'sha256', 'md5'], 'hash')
    return binaryOf(createHash(hash).update(bytesOf(input, 'the input')).digest())
  },
})

// --- utils.jwt -----------------------------------------------------------------------------

/** @typedef {{ kind: 'hmac' | 'rsa' | 'pss' | 'ecdsa', hash: string }} JwtAlgorithm */

/** @type {Record<string, JwtAlgorithm>} */
const JWT_ALGORITHMS = {
  HS256: { kind: 'hmac', hash: 'sha256' },
  HS384: { kind: 'hmac', hash: 'sha384' },
  HS512: { kind: 'hmac', hash: 'sha512' },
  RS256: { kind: 'rsa', hash: 'sha256' },
  RS384: { kind: 'rsa', hash: 'sha384' },
  RS512: { kind: 'rsa', hash: 'sha512' },
  PS256: { kind: 'pss', hash: 'sha256' },
  PS384: { kind: 'pss', hash: 'sha384' },
  PS512: { kind: 'pss', hash: 'sha512' },
  ES256: { kind: 'ecdsa', hash: 'sha256' },
  ES384: { kind: 'ecdsa', hash: 'sha384' },
  ES512: { kind: 'ecdsa', hash: 'sha512' },
}

/** @param {unknown} name */
const jwtAlgorithm = (name) => {
  const algorithm = typeof name === 'string' ? JWT_ALGORITHMS[name] : undefined
  if (!algorithm) {
    throw new Error(
      `unsupported signing method "${String(name)}" (${Object.keys(JWT_ALGORITHMS).join(', ')})`,
    )
  }
  return algorithm
}

/** @param {JwtAlgorithm} algorithm */
const signatureOptions = (algorithm) => {
  if (algorithm.kind === 'pss') {
    return {
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }
  }
  if (algorithm.kind === 'ecdsa') return { dsaEncoding: /** @type {const} */ ('ieee-p1363') }
  return {}
}

const base64url = (/** @type {Uint8Array | string} */ data) =>
  Buffer.from(data).toString('base64url')

const json = (/** @type {unknown} */ value) =>
  EJSON.stringify(/** @type {object} */ (value), { relaxed: true })

/** @param {JwtAlgorithm} algorithm @param {string} signingInput @param {unknown} secret */
const jwtSign = (algorithm, signingInput, secret) => {
  if (algorithm.kind === 'hmac') {
    return createHmac(algorithm.hash, bytesOf(secret, 'the secret')).update(signingInput).digest()
  }
  const key = createPrivateKey(String(secret))
  return sign(algorithm.hash, Buffer.from(signingInput), { key, ...signatureOptions(algorithm) })
}

/** @param {JwtAlgorithm} algorithm @param {string} signingInput @param {Buffer} signature @param {unknown} key */
const jwtVerify = (algorithm, signingInput, signature, key) => {
  if (algorithm.kind === 'hmac') {
    const expected = createHmac(algorithm.hash, bytesOf(key, 'the key'))
      .update(signingInput)
      .digest()
    return expected.length === signature.length && timingSafeEqual(expected, signature)
  }
  const publicKey = createPublicKey(String(key))
  return verify(
    algorithm.hash,
    Buffer.from(signingInput),
    { key: publicKey, ...signatureOptions(algorithm) },
    signature,
  )
}

/** @param {string | undefined} part @param {string} what */
const parsePart = (part, what) => {
  try {
    const value = EJSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'), {
      relaxed: true,
    })
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(what)
    return /** @type {Record<string, unknown>} */ (value)
  } catch {
    throw new Error(`the token's ${what} is not valid JSON`)
  }
}

const jwt = Object.freeze({
  /** A signed JWT: header `{ alg, typ: "JWT", ...customHeaderFields }`, then the payload. */
  encode(
    /** @type {unknown} */ signingMethod,
    /** @type {unknown} */ payload,
    /** @type {unknown} */ secret,
    /** @type {unknown} */ customHeaderFields = undefined,
  ) {
    const algorithm = jwtAlgorithm(signingMethod)
    if (payload === null || typeof payload !== 'object')
      throw new TypeError('utils.jwt.encode: the payload must be an object')
    const { alg: _alg, ...extra } =
      customHeaderFields !== null && typeof customHeaderFields === 'object'
        ? /** @type {Record<string, unknown>} */ (customHeaderFields)
        : {}
    const header = { alg: signingMethod, typ: 'JWT', ...extra }
    const signingInput = `${base64url(json(header))}.${base64url(json(payload))}`
    return `${signingInput}.${base64url(jwtSign(algorithm, signingInput, secret))}`
  },

  /**
   * The payload of a JWT whose signature checks out with `key` (and, with `returnHeader`,
   * `{ header, payload }`). `acceptedSigningMethods` limits the `alg` a token may name; a token
   * past its `exp` or before its `nbf` is refused.
   */
  decode(
    /** @type {unknown} */ token,
    /** @type {unknown} */ key,
    /** @type {unknown} */ returnHeader = false,
    /** @type {unknown} */ acceptedSigningMethods = undefined,
  ) {
    const parts = String(token).split('.')
    if (parts.length !== 3) throw new Error('token contains an invalid number of segments')
    const header = parsePart(parts[0], 'header')
    const payload = parsePart(parts[1], 'payload')
    if (Array.isArray(acceptedSigningMethods) && !acceptedSigningMethods.includes(header.alg)) {
      throw new Error(`signing method ${String(header.alg)} is invalid`)
    }
    const algorithm = jwtAlgorithm(header.alg)
    const signature = Buffer.from(parts[2] ?? '', 'base64url')
    let valid
    try {
      valid = jwtVerify(algorithm, `${parts[0]}.${parts[1]}`, signature, key)
    } catch {
      valid = false
    }
    if (!valid) throw new Error('signature is invalid')
    const now = Date.now() / 1000
    if (typeof payload.exp === 'number' && now >= payload.exp) throw new Error('Token is expired')
    if (typeof payload.nbf === 'number' && now < payload.nbf)
      throw new Error('Token is not valid yet')
    return returnHeader === true ? { header, payload } : payload
  },
})

/** The `utils` global. */
export const utils = Object.freeze({ crypto, jwt })
