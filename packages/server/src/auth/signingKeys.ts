import { createHash, randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import type { Clock } from '../Clock'
import type { Store } from '../store/Store'

const KEY_LOCK = 7_310_443

/** A key access tokens are signed or verified with. */
export interface SigningKey {
  readonly kid: string
  readonly alg: 'EdDSA' | 'HS256'
  /** Absent for a retired key: it only verifies. */
  readonly privateKey: CryptoKey | Uint8Array | undefined
  readonly publicKey: CryptoKey | Uint8Array
  /** The public half for `/.well-known/jwks.json`; never set for HS256 (docs/reliability.md B10). */
  readonly publicJwk: JWK | undefined
  /** When it stopped signing (ms since the epoch), or null for the current key. */
  readonly retiredAt: number | null
}

/** Where access-token keys come from (see `createServer`'s `signing` option). */
export type SigningKeySource =
  | { readonly algorithm: 'EdDSA'; readonly keyFile?: string; readonly privateJwk?: string }
  | { readonly algorithm: 'HS256'; readonly secret: string }

/** A key that cannot be read at start-up: the server refuses to start rather than invent one. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SigningKeyError'
  }
}

interface KeyRow {
  kid: string
  private_jwk: JWK
  public_jwk: JWK
  retired_at: Date | string | null
}

const toKey = async (row: KeyRow, where: string): Promise<SigningKey> => {
  try {
    const retiredAt = row.retired_at === null ? null : new Date(row.retired_at).getTime()
    return {
      kid: row.kid,
      alg: 'EdDSA',
      privateKey: retiredAt === null ? await importJWK(row.private_jwk, 'EdDSA') : undefined,
      publicKey: await importJWK(row.public_jwk, 'EdDSA'),
      publicJwk: {
        kty: row.public_jwk.kty,
        crv: row.public_jwk.crv,
        x: row.public_jwk.x,
        kid: row.kid,
        alg: 'EdDSA',
        use: 'sig',
      },
      retiredAt,
    }
  } catch (error) {
    throw new SigningKeyError(
      `the signing key ${row.kid} in ${where} cannot be read (${(error as Error).message}); refusing to start with a key nobody can verify`,
    )
  }
}

const newKeyRow = async (): Promise<KeyRow> => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  })
  const kid = randomUUID()
  return {
    kid,
    private_jwk: { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' },
    public_jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' },
    retired_at: null,
  }
}

const insertKey = async (tx: Pick<Store, 'query'>, row: KeyRow, now: number): Promise<void> => {
  await tx.query(
    `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at)
     VALUES ($1, 'EdDSA', $2::jsonb, $3::jsonb, $4)`,
    [row.kid, JSON.stringify(row.private_jwk), JSON.stringify(row.public_jwk), new Date(now)],
  )
}

/**
 * The EdDSA keys kept in the store: the current one (created on first start, under an advisory
 * lock so that several servers starting at once agree on one) and the retired ones still inside
 * their grace period.
 */
export const loadStoredKeys = async (
  store: Store,
  clock: Clock,
  retiredGraceSeconds: number,
): Promise<SigningKey[]> => {
  const rows = await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK])
    const found = await tx.query<KeyRow>(
      `SELECT kid, private_jwk, public_jwk, retired_at FROM signing_keys
        WHERE alg = 'EdDSA' AND (retired_at IS NULL OR retired_at > $1)
        ORDER BY created_at DESC`,
      [new Date(clock.now() - retiredGraceSeconds * 1000)],
    )
    if (found.some((row) => row.retired_at === null)) return found
    const row = await newKeyRow()
    await insertKey(tx, row, clock.now())
    return [row, ...found]
  })
  return Promise.all(rows.map((row) => toKey(row, 'the store')))
}

/**
 * Retires the current stored key and makes a new one current. Tokens signed with the old key keep
 * verifying for the grace period (its public key stays in the JWKS); other instances pick the new
 * key up when they first meet its `kid`.
 */
export const rotateStoredKey = (store: Store, clock: Clock): Promise<string> =>
  store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK])
    const now = clock.now()
    await tx.query(
      `UPDATE signing_keys SET retired_at = $1 WHERE alg = 'EdDSA' AND retired_at IS NULL`,
      [new Date(now)],
    )
    const row = await newKeyRow()
    await insertKey(tx, row, now)
    return row.kid
  })

/** An EdDSA private key given by file or environment (a JWK with `d`), never stored. */
export const loadGivenKey = async (
  source: Extract<SigningKeySource, { algorithm: 'EdDSA' }>,
): Promise<SigningKey> => {
  let text: string
  let where: string
  if (source.keyFile !== undefined) {
    where = source.keyFile
    try {
      text = await readFile(source.keyFile, 'utf8')
    } catch (error) {
      throw new SigningKeyError(
        `cannot read the signing key file ${source.keyFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); refusing to start`,
      )
    }
  } else {
    where = 'SIGNING_KEY'
    text = source.privateJwk ?? ''
  }
  let jwk: JWK
  try {
    jwk = JSON.parse(text) as JWK
  } catch {
    throw new SigningKeyError(`${where} is not a JSON Web Key; refusing to start`)
  }
  if (
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.d !== 'string' ||
    typeof jwk.x !== 'string'
  ) {
    throw new SigningKeyError(
      `${where} must hold an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","x":...,"d":...}); refusing to start`,
    )
  }
  const kid = jwk.kid ?? createHash('sha256').update(jwk.x).digest('base64url').slice(0, 16)
  return toKey(
    {
      kid,
      private_jwk: jwk,
      public_jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      retired_at: null,
    },
    where,
  )
}

/** The HS256 secret given by configuration, for App Services-like deployments. */
export const hs256Key = (secret: string): SigningKey => {
  if (Buffer.byteLength(secret, 'utf8') < 32) {
    throw new SigningKeyError(
      'the HS256 secret must be at least 32 bytes (256 bits) of random text; refusing to start',
    )
  }
  const bytes = new TextEncoder().encode(secret)
  return {
    kid: createHash('sha256').update(secret).digest('base64url').slice(0, 8),
    alg: 'HS256',
    privateKey: bytes,
    publicKey: bytes,
    publicJwk: undefined,
    retiredAt: null,
  }
}

/** Writes a new Ed25519 private JWK, for `custom-data-server keys generate-signing-key`. */
export const generateSigningJwk = async (): Promise<JWK> => (await newKeyRow()).private_jwk
