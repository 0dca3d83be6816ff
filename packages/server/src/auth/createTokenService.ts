import { randomUUID } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose'
import type { Logger } from 'pino'
import type { Clock } from '../Clock'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { Store } from '../store/Store'
import {
  hs256Key,
  loadGivenKey,
  loadStoredKeys,
  rotateStoredKey,
  type SigningKey,
  type SigningKeySource,
} from './signingKeys'

// Access tokens verify with this much leeway for clocks that disagree (docs/reliability.md B7).
const CLOCK_TOLERANCE_SECONDS = 30
// An unknown kid makes the service re-read the store (another instance rotated), at most this often.
const RELOAD_INTERVAL_MS = 5_000
const KEY_REFRESH_MS = 60_000

/** The claims of an access token (docs/protocol.md §12.1, §17.5). */
export interface AccessTokenClaims extends JWTPayload {
  sub: string
  iat: number
  exp: number
  typ: 'access'
  baas_id: string
  baas_device_id: string
  user_data?: unknown
  user_data_omitted?: boolean
  /** Present (true) only on anonymous users' tokens. */
  is_anonymous?: true
}

export interface AccessTokenInput {
  readonly userId: string
  readonly sessionId: string
  readonly deviceId: string
  /** The custom-data document as relaxed EJSON, or undefined when the user has none. */
  readonly userData: unknown
  /** The session was opened by the `anon-user` provider: the token says `is_anonymous: true`. */
  readonly isAnonymous?: boolean
  /**
   * The latest `exp` (seconds since the epoch) the token may have. A token re-signed from another
   * one (`X-Refreshed-Access-Token`) keeps that one's expiry: only a refresh, which checks the
   * refresh token, idle timeout and reuse, extends a session's access.
   */
  readonly notAfter?: number
}

export interface TokenService {
  /**
   * Signs an access token. A `userData` larger than the custom-data cap is left out and the
   * token says so with `user_data_omitted: true` (docs/protocol.md §17.4).
   */
  signAccessToken(input: AccessTokenInput): Promise<string>
  /** Verifies signature, type, issuer, audience and expiry; throws 401 `InvalidSession` otherwise. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>
  /** The public keys, for `/.well-known/jwks.json`. Empty with HS256. */
  jwks(): { keys: JWK[] }
  /** Retires the current EdDSA key and signs with a new one from now on; returns its kid. */
  rotateSigningKey(): Promise<string>
}

export interface TokenServiceOptions {
  readonly store: Store
  readonly appId: string
  readonly issuer: string
  readonly clock: Clock
  readonly logger: Logger
  /** Access-token lifetime in seconds. Default 1800 (30 minutes, as App Services). */
  readonly accessTokenLifetime?: number
  /** Default: EdDSA with keys kept in the store. */
  readonly signing?: SigningKeySource
  /** How long a retired key still verifies, in seconds. Default one day. */
  readonly retiredKeyGraceSeconds?: number
  /** Largest `user_data` claim, in bytes of JSON. Default 16 KiB. */
  readonly customDataMaxBytes?: number
}

const invalid = (): ServiceError =>
  new ServiceError(ErrorCode.InvalidSession, 'invalid session: access token expired or invalid')

/**
 * Signs and verifies access tokens: EdDSA (Ed25519) with a `kid` by default, the key generated on
 * first start and kept in the store so that every instance and restart shares it, or given by file
 * or environment; HS256 with a configured secret for App Services-like deployments. Verification
 * pins the algorithm, the type, the issuer and the audience, and never takes a key from the
 * token's own header (docs/reliability.md B2–B8).
 */
export const createTokenService = async (options: TokenServiceOptions): Promise<TokenService> => {
  const { store, appId, issuer, clock, logger } = options
  const lifetime = options.accessTokenLifetime ?? 1800
  const source: SigningKeySource = options.signing ?? { algorithm: 'EdDSA' }
  const grace = options.retiredKeyGraceSeconds ?? 24 * 60 * 60
  const maxUserData = options.customDataMaxBytes ?? 16 * 1024
  const fromStore = source.algorithm === 'EdDSA' && !source.keyFile && !source.privateJwk

  const loadKeys = async (): Promise<SigningKey[]> => {
    if (source.algorithm === 'HS256') return [hs256Key(source.secret)]
    if (!fromStore) return [await loadGivenKey(source)]
    return loadStoredKeys(store, clock, grace)
  }
  let keys = await loadKeys()
  let lastReload = clock.now()
  const current = (): SigningKey => {
    const key = keys.find((candidate) => candidate.retiredAt === null)
    if (!key?.privateKey) throw new Error('no current signing key')
    return key
  }

  const findKey = async (kid: string | undefined): Promise<SigningKey | undefined> => {
    const live = (key: SigningKey) =>
      key.kid === kid && (key.retiredAt === null || key.retiredAt + grace * 1000 > clock.now())
    let key = keys.find(live)
    if (!key && fromStore && clock.now() - lastReload > RELOAD_INTERVAL_MS) {
      lastReload = clock.now()
      keys = await loadKeys()
      key = keys.find(live)
    }
    return key
  }

  return {
    async signAccessToken({ userId, sessionId, deviceId, userData, isAnonymous, notAfter }) {
      if (fromStore && clock.now() - lastReload > KEY_REFRESH_MS) {
        // Another instance may have rotated: sign with the store's current key within a minute.
        lastReload = clock.now()
        keys = await loadKeys()
      }
      const key = current()
      const iat = Math.floor(clock.now() / 1000)
      const claims: Record<string, unknown> = {
        typ: 'access',
        baas_id: sessionId,
        baas_device_id: deviceId,
      }
      if (isAnonymous) claims.is_anonymous = true
      if (userData !== undefined) {
        const bytes = Buffer.byteLength(JSON.stringify(userData), 'utf8')
        if (bytes > maxUserData) {
          claims.user_data_omitted = true
          logger.warn(
            { userId, bytes, maxBytes: maxUserData },
            'custom user data is over the size cap and was left out of the access token',
          )
        } else {
          claims.user_data = userData
        }
      }
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(appId)
        .setIssuedAt(iat)
        .setExpirationTime(Math.min(iat + lifetime, notAfter ?? Number.POSITIVE_INFINITY))
        .setJti(randomUUID())
        .sign(key.privateKey!)
    },

    async verifyAccessToken(token) {
      let payload: JWTPayload
      try {
        const header = decodeProtectedHeader(token)
        // Keys come from our own list only, never from the token (docs/reliability.md B4).
        if (header.jku || header.jwk || header.x5u || header.x5c) throw new Error('foreign key')
        const key = await findKey(header.kid)
        if (!key || header.alg !== key.alg) throw new Error('unknown key')
        ;({ payload } = await jwtVerify(token, key.publicKey, {
          algorithms: [key.alg],
          issuer,
          audience: appId,
          typ: 'at+jwt',
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock.now()),
          requiredClaims: ['sub', 'exp', 'iat', 'baas_id'],
        }))
      } catch {
        throw invalid()
      }
      // jose checks iat only against a maximum age; a token issued in the future is refused here.
      if (
        payload.typ !== 'access' ||
        typeof payload.iat !== 'number' ||
        payload.iat > clock.now() / 1000 + CLOCK_TOLERANCE_SECONDS
      ) {
        throw invalid()
      }
      return payload as AccessTokenClaims
    },

    jwks: () => ({
      keys: keys.flatMap((key) =>
        key.publicJwk && (key.retiredAt === null || key.retiredAt + grace * 1000 > clock.now())
          ? [key.publicJwk]
          : [],
      ),
    }),

    async rotateSigningKey() {
      if (!fromStore) {
        throw new Error(
          'only keys kept in the store rotate here; for a key given by file or environment, deploy the new key instead',
        )
      }
      const kid = await rotateStoredKey(store, clock)
      keys = await loadKeys()
      lastReload = clock.now()
      return kid
    },
  }
}
