import { randomUUID } from 'node:crypto'
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose'
import type { Clock } from '../Clock'
import { ErrorCode, ServiceError } from '../http/ServiceError'
import type { Store } from '../store/Store'

const ALG = 'EdDSA'
// Access tokens verify with this much leeway for clocks that disagree (RELIABILITY.md B7).
const CLOCK_TOLERANCE_SECONDS = 30
const KEY_LOCK = 7_310_443

/** The claims of an access token (PROTOCOL.md §12.1, §17.5). */
export interface AccessTokenClaims extends JWTPayload {
  sub: string
  iat: number
  exp: number
  typ: 'access'
  baas_id: string
  baas_device_id: string
  user_data?: unknown
  user_data_omitted?: boolean
}

export interface AccessTokenInput {
  readonly userId: string
  readonly sessionId: string
  readonly deviceId: string
  /** The custom-data document as relaxed EJSON, or undefined when the user has none. */
  readonly userData: unknown
}

export interface TokenService {
  signAccessToken(input: AccessTokenInput): Promise<string>
  /** Verifies signature, type, issuer, audience and expiry; throws 401 `InvalidSession` otherwise. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>
  /** The public keys, for `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] }
}

export interface TokenServiceOptions {
  readonly store: Store
  readonly appId: string
  readonly issuer: string
  readonly clock: Clock
  /** Access-token lifetime in seconds. Default 1800 (30 minutes, as App Services). */
  readonly accessTokenLifetime?: number
}

interface KeyRow {
  kid: string
  private_jwk: JWK
  public_jwk: JWK
}

const loadOrCreateKey = (store: Store, clock: Clock): Promise<KeyRow> =>
  store.transaction(async (tx) => {
    // Several servers may start at once on one database; they must agree on one key.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK])
    const [existing] = await tx.query<KeyRow>(
      `SELECT kid, private_jwk, public_jwk FROM signing_keys
        WHERE retired_at IS NULL AND alg = $1 ORDER BY created_at DESC LIMIT 1`,
      [ALG],
    )
    if (existing) return existing
    const { privateKey, publicKey } = await generateKeyPair(ALG, {
      crv: 'Ed25519',
      extractable: true,
    })
    const kid = randomUUID()
    const row: KeyRow = {
      kid,
      private_jwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
      public_jwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
    }
    await tx.query(
      `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)`,
      [
        kid,
        ALG,
        JSON.stringify(row.private_jwk),
        JSON.stringify(row.public_jwk),
        new Date(clock.now()),
      ],
    )
    return row
  })

/**
 * Signs and verifies access tokens: EdDSA (Ed25519) with a `kid`, the key generated on first
 * start and kept in the store so that every server instance and restart shares it.
 */
export const createTokenService = async (options: TokenServiceOptions): Promise<TokenService> => {
  const { store, appId, issuer, clock } = options
  const lifetime = options.accessTokenLifetime ?? 1800
  const key = await loadOrCreateKey(store, clock)
  const privateKey = (await importJWK(key.private_jwk, ALG)) as CryptoKey
  const publicKey = (await importJWK(key.public_jwk, ALG)) as CryptoKey

  return {
    async signAccessToken({ userId, sessionId, deviceId, userData }) {
      const iat = Math.floor(clock.now() / 1000)
      const claims: Record<string, unknown> = {
        typ: 'access',
        baas_id: sessionId,
        baas_device_id: deviceId,
      }
      if (userData !== undefined) claims.user_data = userData
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'at+jwt' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(appId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .setJti(randomUUID())
        .sign(privateKey)
    },

    async verifyAccessToken(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: [ALG],
          issuer,
          audience: appId,
          typ: 'at+jwt',
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock.now()),
          requiredClaims: ['sub', 'exp', 'iat', 'baas_id'],
        })
        if (payload.typ !== 'access') throw new Error('not an access token')
        return payload as AccessTokenClaims
      } catch {
        throw new ServiceError(
          401,
          ErrorCode.InvalidSession,
          'invalid session: access token expired or invalid',
        )
      }
    },

    jwks: () => ({ keys: [key.public_jwk] }),
  }
}
