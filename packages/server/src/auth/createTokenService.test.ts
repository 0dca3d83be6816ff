import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { createLogger } from '../createLogger'
import { createServer } from '../createServer'
import { testStores } from '../testing/testStores'
import {
  basicAppDir,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from '../testUtils'
import { generateSigningJwk } from './signingKeys'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe.each(testStores())('access tokens on $kind', (storeKind) => {
  let s: InProcessServer
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  let serverKey: { kid: string; jwk: JWK }
  let login: { access_token: string; refresh_token: string; user_id: string }

  const profileStatus = async (token: string) =>
    (await s.request('GET', '/auth/profile', { token })).status

  /** A token signed with the server's own private key, with whatever header and claims a test wants. */
  const forge = async (
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): Promise<string> => {
    const key = await importJWK(serverKey.jwk, 'EdDSA')
    const iat = Math.floor(now / 1000)
    return new SignJWT({
      sub: login.user_id,
      iss: 'custom-data-server',
      aud: s.appId,
      typ: 'access',
      baas_id: decodeJwtPayload(login.access_token).baas_id,
      baas_device_id: '000000000000000000000000',
      iat,
      exp: iat + 1800,
      ...claims,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: serverKey.kid, typ: 'at+jwt', ...header })
      .sign(key)
  }

  beforeAll(async () => {
    s = await createInProcessServer(storeKind, { clock })
    const [row] = await s.store.query<{ kid: string; private_jwk: JWK }>(
      'SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL',
    )
    serverKey = { kid: row!.kid, jwk: row!.private_jwk }
    login = await s.logInAnonymously()
  })
  afterAll(() => s.close())

  it('B1: verifies with the published JWKS; pinned alg, kid and at+jwt header; the expected claims', async () => {
    const jwks = await s.request('GET', 'http://localhost/.well-known/jwks.json')
    const { payload, protectedHeader } = await jwtVerify(
      login.access_token,
      createLocalJWKSet(jwks.body as never),
      { algorithms: ['EdDSA'], currentDate: new Date(now), typ: 'at+jwt' },
    )
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: serverKey.kid, typ: 'at+jwt' })
    expect(payload).toMatchObject({
      iss: 'custom-data-server',
      aud: s.appId,
      sub: login.user_id,
      typ: 'access',
      baas_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      baas_device_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      jti: expect.any(String),
    })
    expect(payload.exp! - payload.iat!).toBe(1800)
    expect(await profileStatus(await forge({}))).toBe(200)
  })

  it('B2: a token with alg "none" and no signature is refused', async () => {
    const [, payload] = login.access_token.split('.')
    const none = `${b64({ alg: 'none', typ: 'at+jwt', kid: serverKey.kid })}.${payload}.`
    expect(await profileStatus(none)).toBe(401)
  })

  it('B3: a token re-signed HS256 with the public key as the HMAC secret is refused', async () => {
    const publicJwk = { kty: 'OKP', crv: 'Ed25519', x: serverKey.jwk.x }
    for (const secret of [JSON.stringify(publicJwk), serverKey.jwk.x!]) {
      const token = await new SignJWT(decodeJwtPayload(login.access_token))
        .setProtectedHeader({ alg: 'HS256', kid: serverKey.kid, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(secret))
      expect(await profileStatus(token)).toBe(401)
    }
  })

  it('B4: jku, jwk and x5u headers are refused, and nothing is fetched', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const attackerJwk = await exportJWK(attacker.publicKey)
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(decodeJwtPayload(login.access_token))
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...header })
        .sign(attacker.privateKey)
    expect(await profileStatus(await sign({ jku: 'http://127.0.0.1:9/jwks.json', kid: 'x' }))).toBe(
      401,
    )
    expect(await profileStatus(await sign({ jwk: attackerJwk }))).toBe(401)
    expect(await profileStatus(await sign({ x5u: 'http://127.0.0.1:9/cert.pem' }))).toBe(401)
    // Even with the server's real signature, a key reference in the header is refused.
    expect(await profileStatus(await forge({}, { jku: 'http://127.0.0.1:9/jwks.json' }))).toBe(401)
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('B5: an unknown kid, or one shaped like a path or SQL, is refused', async () => {
    for (const kid of ['no-such-key', '../../dev/null', "' OR 1=1 --", '']) {
      expect(await profileStatus(await forge({}, { kid }))).toBe(401)
    }
  })

  it('B6: a wrong issuer or audience is refused', async () => {
    expect(await profileStatus(await forge({ iss: 'someone-else' }))).toBe(401)
    expect(await profileStatus(await forge({ aud: 'another-app' }))).toBe(401)
  })

  it('B7: 30 s of clock tolerance on exp and iat/nbf, and not more', async () => {
    const t = Math.floor(now / 1000)
    expect(await profileStatus(await forge({ iat: t - 1820, exp: t - 20 }))).toBe(200)
    expect(await profileStatus(await forge({ iat: t - 1831, exp: t - 31 }))).toBe(401)
    expect(await profileStatus(await forge({ iat: t + 20, exp: t + 1820 }))).toBe(200)
    expect(await profileStatus(await forge({ nbf: t + 20 }))).toBe(200)
    expect(await profileStatus(await forge({ iat: t + 120, exp: t + 1920 }))).toBe(401)
    expect(await profileStatus(await forge({ nbf: t + 120 }))).toBe(401)
  })

  it('B8: a refresh token, or a token of another type, presented as an access token is refused', async () => {
    expect(await profileStatus(login.refresh_token)).toBe(401)
    expect(await profileStatus(await forge({ typ: 'refresh' }))).toBe(401)
    expect(await profileStatus(await forge({}, { typ: 'JWT' }))).toBe(401)
    expect(await profileStatus(await forge({ baas_id: undefined }))).toBe(401)
  })

  it('B9: after key rotation old tokens verify until the grace period ends; then they are refused', async () => {
    const before = (await s.logInAnonymously()).access_token
    const oldKid = serverKey.kid
    const newKid = await s.server.context.tokens.rotateSigningKey()
    expect(newKid).not.toBe(oldKid)
    const after = (await s.logInAnonymously()).access_token
    expect(decodeProtectedHeader(after).kid).toBe(newKid)
    const kids = async () =>
      (
        (await s.request('GET', 'http://localhost/.well-known/jwks.json')).body as { keys: JWK[] }
      ).keys.map((k) => k.kid)
    expect(await kids()).toEqual(expect.arrayContaining([oldKid, newKid]))
    expect(await profileStatus(before)).toBe(200)

    // The grace period (one day) passes; the old token would still be unexpired with a long lifetime.
    now += 24 * 3600 * 1000 + 1000
    const oldKeyToken = await forge({}, { kid: oldKid })
    expect(await profileStatus(oldKeyToken)).toBe(401)
    expect(await kids()).toEqual([newKid])
    const fresh = await s.logInAnonymously()
    expect(await profileStatus(fresh.access_token)).toBe(200)
    const [row] = await s.store.query<{ kid: string; private_jwk: JWK }>(
      'SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL',
    )
    serverKey = { kid: row!.kid, jwk: row!.private_jwk }
    login = fresh
  })

  it('B9: a rotation on one instance reaches the others sharing the store', async () => {
    const other = await createInProcessServer(storeKind, { clock, shareStore: s.store })
    try {
      const newKid = await s.server.context.tokens.rotateSigningKey()
      now += 6_000
      // A token of the new key is accepted by the other instance (it re-reads on an unknown kid)...
      const fromFirst = await s.logInAnonymously()
      expect(decodeProtectedHeader(fromFirst.access_token).kid).toBe(newKid)
      expect(
        (await other.request('GET', '/auth/profile', { token: fromFirst.access_token })).status,
      ).toBe(200)
      // ...and within a minute the other instance signs with it too.
      now += 61_000
      const fromOther = await other.logInAnonymously()
      expect(decodeProtectedHeader(fromOther.access_token).kid).toBe(newKid)
      const [row] = await s.store.query<{ kid: string; private_jwk: JWK }>(
        'SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL',
      )
      serverKey = { kid: row!.kid, jwk: row!.private_jwk }
      login = fromFirst
    } finally {
      await other.close()
    }
  })

  it('B10: the JWKS never holds private or symmetric key material', async () => {
    const jwks = (await s.request('GET', 'http://localhost/.well-known/jwks.json')).body as {
      keys: JWK[]
    }
    expect(jwks.keys.length).toBeGreaterThan(0)
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
    }
  })

  it('B10: with HS256 the JWKS is empty, and EdDSA tokens are refused', async () => {
    const hs = await createServer({
      app: await loadAppFolder(basicAppDir),
      store: s.store,
      logger: createLogger('silent'),
      clock,
      signing: { algorithm: 'HS256', secret: 'an-hs256-secret-that-is-32-bytes-long!' },
    })
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await hs.fetch(new Request(`http://localhost${path}`, init))
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    expect((await call('/.well-known/jwks.json')).body).toEqual({ keys: [] })
    const hsLogin = await call(`/api/client/v2.0/app/${s.appId}/auth/providers/anon-user/login`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
    const token = hsLogin.body.access_token as string
    expect(decodeProtectedHeader(token).alg).toBe('HS256')
    const profile = (t: string) =>
      call('/api/client/v2.0/auth/profile', { headers: { authorization: `Bearer ${t}` } })
    expect((await profile(token)).status).toBe(200)
    expect((await profile(login.access_token)).status).toBe(401)
    expect(await profileStatus(token)).toBe(401)
    await hs.close()
  })

  it('F9: a missing or corrupt signing key refuses to start, and no key is invented', async () => {
    const app = await loadAppFolder(basicAppDir)
    const start = (signing: Parameters<typeof createServer>[0]['signing']) =>
      createServer({
        app,
        store: s.store,
        logger: createLogger('silent'),
        ...(signing ? { signing } : {}),
      })
    const dir = await mkdtemp(join(tmpdir(), 'keys-'))
    const corrupt = join(dir, 'corrupt.json')
    await writeFile(corrupt, '{"kty":"OKP","crv":"Ed25519","x":')
    const publicOnly = join(dir, 'public.json')
    await writeFile(publicOnly, JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: serverKey.jwk.x }))
    await expect(start({ algorithm: 'EdDSA', keyFile: join(dir, 'missing.json') })).rejects.toThrow(
      /cannot read the signing key file .*missing\.json \(ENOENT\); refusing to start/,
    )
    await expect(start({ algorithm: 'EdDSA', keyFile: corrupt })).rejects.toThrow(
      'is not a JSON Web Key',
    )
    await expect(start({ algorithm: 'EdDSA', keyFile: publicOnly })).rejects.toThrow(
      'Ed25519 private JWK',
    )
    await expect(start({ algorithm: 'HS256', secret: 'short' })).rejects.toThrow(
      'at least 32 bytes',
    )

    const good = join(dir, 'good.json')
    const jwk = await generateSigningJwk()
    await writeFile(good, JSON.stringify(jwk))
    const fromFile = await start({ algorithm: 'EdDSA', keyFile: good })
    expect(fromFile.context.tokens.jwks().keys.map((k) => k.x)).toEqual([jwk.x])
    await fromFile.close()

    // A stored key that cannot be read stops the server too, rather than being replaced.
    const keysBefore = await s.store.query('SELECT kid FROM signing_keys')
    await s.store.query(
      `UPDATE signing_keys SET private_jwk = '{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}'::jsonb WHERE retired_at IS NULL`,
    )
    await expect(start(undefined)).rejects.toThrow(/cannot be read .*refusing to start/)
    expect(await s.store.query('SELECT kid FROM signing_keys')).toEqual(keysBefore)
  })
})
