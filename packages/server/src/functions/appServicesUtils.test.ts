import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  sign,
  verify,
  type CipherGCMTypes,
} from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Binary } from 'bson'
import { importSPKI, jwtVerify, SignJWT, importPKCS8 } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgliteTestStore } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'
import { utils } from './worker/appServicesUtils.js'

// utils.crypto and utils.jwt: the vectors of App Services' "Global Modules" docs where they give
// one, otherwise checked against node:crypto and jose in the test, independently of the module.

const fromBase64 = (text: string) => new Binary(Buffer.from(text, 'base64'))
const base64 = (binary: unknown) => (binary as { toBase64(): string }).toBase64()
const bytes = (binary: unknown) => Buffer.from(base64(binary), 'base64')

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pkcs1Private = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
const pkcs1Public = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
const pkcs8Private = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const spkiPublic = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()

describe('utils.crypto', () => {
  it('hmac: the docs vector, and sha1/sha512 in hex as node:crypto computes them', () => {
    expect(utils.crypto.hmac('hello!', 'super-secret', 'sha256', 'base64')).toBe(
      'SUXd6PRMaTXXgBGaGsIHzaDWgTSa6C3D44lRGrvRak0=',
    )
    for (const hash of ['sha1', 'sha512']) {
      expect(utils.crypto.hmac('input', 'key', hash, 'hex')).toBe(
        createHmac(hash, 'key').update('input').digest('hex'),
      )
    }
    expect(() => utils.crypto.hmac('x', 'k', 'md4', 'hex')).toThrow('unsupported hash function')
  })

  it('hash: the docs vector (a BSON.Binary), and md5/sha1 of text and of a BSON.Binary', () => {
    expect(base64(utils.crypto.hash('sha256', 'hello!'))).toBe(
      'zgYJL7lI2f+sfRo3bkBLJrdXW8wR7gWkYV/vT+w6MIs=',
    )
    const input = new Binary(Buffer.from([0, 1, 2, 255]))
    for (const hash of ['md5', 'sha1']) {
      expect(bytes(utils.crypto.hash(hash, input))).toEqual(
        createHash(hash)
          .update(Buffer.from([0, 1, 2, 255]))
          .digest(),
      )
    }
  })

  it('decrypt: the docs vector ("MongoDB is great!" under the docs key)', () => {
    const encrypted = fromBase64('WPBuIvJ6Bity43Uh822dW8QlVYVJaFUiDeUjlTiJXzptUuTYIKPlXekBQAJb')
    const decrypted = utils.crypto.decrypt('aes', encrypted, '603082712271C525E087BD999A4E0738')
    expect((decrypted as unknown as { text(): string }).text()).toBe('MongoDB is great!')
  })

  it.each([16, 24, 32])(
    'encrypt: AES-GCM with a %i-byte key, nonce first and tag last, as node:crypto reads it',
    (size) => {
      const key = 'k'.repeat(size)
      const sealed = bytes(utils.crypto.encrypt('aes', 'a secret message', key))
      const decipher = createDecipheriv(
        `aes-${size * 8}-gcm` as CipherGCMTypes,
        Buffer.from(key),
        sealed.subarray(0, 12),
      )
      decipher.setAuthTag(sealed.subarray(sealed.length - 16))
      expect(
        Buffer.concat([decipher.update(sealed.subarray(12, -16)), decipher.final()]).toString(),
      ).toBe('a secret message')
    },
  )

  it('decrypt refuses a wrong key or a tampered message; AES keys must be 16, 24 or 32 bytes', () => {
    const key = 'k'.repeat(32)
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.alloc(12, 1))
    const sealed = Buffer.concat([
      Buffer.alloc(12, 1),
      cipher.update('x'),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    expect(() => utils.crypto.decrypt('aes', new Binary(sealed), 'j'.repeat(32))).toThrow(
      'cipher: message authentication failed',
    )
    sealed.writeUInt8(sealed.readUInt8(12) ^ 1, 12)
    expect(() => utils.crypto.decrypt('aes', new Binary(sealed), key)).toThrow(
      'message authentication failed',
    )
    expect(() => utils.crypto.encrypt('aes', 'x', 'short')).toThrow('invalid key size 5')
  })

  it('sign: RSA-PSS (the default) and PKCS#1 v1.5 with a PKCS#1 key, verified by node:crypto', () => {
    const pss = bytes(utils.crypto.sign('rsa', 'MongoDB is great!', pkcs1Private, 'pss'))
    expect(
      verify(
        'sha256',
        Buffer.from('MongoDB is great!'),
        {
          key: rsa.publicKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_AUTO,
        },
        pss,
      ),
    ).toBe(true)
    const pkcs1 = bytes(utils.crypto.sign('rsa', 'MongoDB is great!', pkcs1Private, 'pkcs1v15'))
    expect(verify('sha256', Buffer.from('MongoDB is great!'), rsa.publicKey, pkcs1)).toBe(true)
    expect(bytes(utils.crypto.sign('rsa', 'm', pkcs1Private))).toHaveLength(256)
  })

  it('verify: signatures node:crypto made, with a PKCS#1 public key; false for another message', () => {
    const signature = new Binary(
      sign('sha256', Buffer.from('signed'), {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }),
    )
    expect(utils.crypto.verify('rsa', 'signed', pkcs1Public, signature, 'pss')).toBe(true)
    expect(utils.crypto.verify('rsa', 'signed', pkcs1Public, signature)).toBe(true)
    expect(utils.crypto.verify('rsa', 'tampered', pkcs1Public, signature, 'pss')).toBe(false)
    const v15 = new Binary(sign('sha256', Buffer.from('signed'), rsa.privateKey))
    expect(utils.crypto.verify('rsa', 'signed', pkcs1Public, v15, 'pkcs1v15')).toBe(true)
  })
})

describe('utils.jwt', () => {
  // The docs' example token, signed HS512 with "SuperSecret" (its payload names "Joe Schmoe").
  const DOCS_TOKEN =
    'eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvZSBTY2htb2UiLCJpYXQiOjE1NjU3MjEyMjMxODd9.-QL15ldu2BYuJokNWT6YRiwZQIiIpvq6Kyv-C6qslNdNiUVxo8zqLJZ1iEkNf2yZKMIrQuMCtIC1tzd2H31AxA'
  const DOCS_PAYLOAD = { sub: '1234567890', name: 'Joe Schmoe', iat: 1565721223187 }

  it('encode: the docs vector, byte for byte', () => {
    expect(utils.jwt.encode('HS512', DOCS_PAYLOAD, 'SuperSecret')).toBe(DOCS_TOKEN)
  })

  it('decode: the docs vector, with accepted methods, and with its header', () => {
    expect(utils.jwt.decode(DOCS_TOKEN, 'SuperSecret', false, ['HS512'])).toEqual(DOCS_PAYLOAD)
    expect(utils.jwt.decode(DOCS_TOKEN, 'SuperSecret', true)).toEqual({
      header: { alg: 'HS512', typ: 'JWT' },
      payload: DOCS_PAYLOAD,
    })
  })

  it('decode refuses a wrong key, a method not accepted, an expired token', () => {
    expect(() => utils.jwt.decode(DOCS_TOKEN, 'wrong', false)).toThrow('signature is invalid')
    expect(() => utils.jwt.decode(DOCS_TOKEN, 'SuperSecret', false, ['RS256'])).toThrow(
      'signing method HS512 is invalid',
    )
    const expired = utils.jwt.encode('HS256', { exp: Math.floor(Date.now() / 1000) - 10 }, 's')
    expect(() => utils.jwt.decode(expired, 's')).toThrow('Token is expired')
  })

  it.each(['RS256', 'PS384', 'ES256', 'ES512'])(
    '%s: jose verifies what encode signs, and decode reads what jose signs',
    async (alg) => {
      const keys =
        alg === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : alg === 'ES512'
            ? generateKeyPairSync('ec', { namedCurve: 'P-521' })
            : null
      const privatePem = keys
        ? keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
        : pkcs8Private
      const publicPem = keys
        ? keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()
        : spkiPublic
      const token = utils.jwt.encode(alg, { sub: 'u-1' }, privatePem, { kid: 'k-1' })
      const { payload, protectedHeader } = await jwtVerify(token, await importSPKI(publicPem, alg))
      expect(payload).toEqual({ sub: 'u-1' })
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: 'k-1' })
      const joseToken = await new SignJWT({ role: 'x' })
        .setProtectedHeader({ alg })
        .sign(await importPKCS8(privatePem, alg))
      expect(utils.jwt.decode(joseToken, publicPem, false, [alg])).toEqual({ role: 'x' })
    },
  )
})

describe('utils and BSON.Binary in a function', () => {
  let s: InProcessServer
  let token: string
  beforeAll(async () => {
    s = await createInProcessServer(pgliteTestStore, {
      appDir: fileURLToPath(new URL('../../fixtures/runtime-app', import.meta.url)),
    })
    token = (await s.logInAnonymously()).access_token
  })
  afterAll(() => s.close())
  const call = (name: string, args: unknown[]) =>
    s.request('POST', `/app/${s.appId}/functions/call`, { token, body: { name, arguments: args } })

  it('are globals: the docs examples run as written (encrypt, toBase64, fromBase64, decrypt, text)', async () => {
    const answer = await call('aesRoundTrip', [
      'MongoDB is great!',
      '603082712271C525E087BD999A4E0738',
    ])
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      text: 'MongoDB is great!',
      encrypted: { $binary: { subType: '00' } },
    })
    const hmac = await call('utilsCall', [
      'crypto',
      'hmac',
      'hello!',
      'super-secret',
      'sha256',
      'base64',
    ])
    expect(hmac.body).toBe('SUXd6PRMaTXXgBGaGsIHzaDWgTSa6C3D44lRGrvRak0=')
  })
})
