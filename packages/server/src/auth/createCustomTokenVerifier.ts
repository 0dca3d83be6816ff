import {
  createRemoteJWKSet,
  importSPKI,
  importX509,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import type { MetadataField, ProviderConfig } from '../appFolder/AppConfig'
import { AppFolderError } from '../appFolder/readJsonFile'
import type { Clock } from '../Clock'
import { claimAt } from './claimAt'

/** What a verified third-party JWT says about its user. */
export interface CustomTokenIdentity {
  /** The token's `sub`: the identity's external id. */
  readonly externalId: string
  /** The `metadata_fields` found in the token, by profile key. */
  readonly data: Record<string, unknown>
}

/** Verifies the JWTs of one `custom-token` provider. */
export type CustomTokenVerifier = (token: string) => Promise<CustomTokenIdentity>

/** A token the provider refuses; the message says why, without secrets. */
export class CustomTokenError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CustomTokenError'
  }
}

const CLOCK_TOLERANCE_SECONDS = 30

const readMetadata = (
  payload: JWTPayload,
  fields: readonly MetadataField[],
): Record<string, unknown> => {
  const data: Record<string, unknown> = {}
  for (const field of fields) {
    const value = claimAt(payload, field.name)
    if (value === undefined || value === null) {
      if (field.required)
        throw new CustomTokenError(`required metadata field "${field.name}" is missing`)
      continue
    }
    data[field.fieldName] = value
  }
  return data
}

const importKey = async (
  algorithm: string,
  material: string,
  where: string,
): Promise<CryptoKey | Uint8Array> => {
  if (algorithm === 'HS256') {
    if (Buffer.byteLength(material, 'utf8') < 32) {
      throw new AppFolderError(`${where}: an HS256 signing key must be at least 32 bytes.`)
    }
    return new TextEncoder().encode(material)
  }
  try {
    return material.includes('BEGIN CERTIFICATE')
      ? await importX509(material, algorithm)
      : await importSPKI(material, algorithm)
  } catch (error) {
    throw new AppFolderError(
      `${where}: an RS256 signing key must be a PEM public key or certificate (${(error as Error).message}).`,
    )
  }
}

/**
 * Builds the verifier of a `custom-token` provider from its App Services config: `signingAlgorithm`
 * (HS256 or RS256), signing keys named in `secret_config.signingKeys` (values from the server's
 * secrets) or a JWKS at `jwkURI` (`useJWKURI`), `audience` with `requireAnyAudience`, and
 * `metadata_fields`. Only the configured algorithm is accepted; `exp` is required.
 */
export const createCustomTokenVerifier = async (
  provider: ProviderConfig,
  options: { secret: (name: string) => string | undefined; clock: Clock },
): Promise<CustomTokenVerifier> => {
  const where = `auth/providers.json ("${provider.name}")`
  const config = provider.config
  const algorithm = typeof config.signingAlgorithm === 'string' ? config.signingAlgorithm : 'HS256'
  if (algorithm !== 'HS256' && algorithm !== 'RS256') {
    throw new AppFolderError(`${where}: "signingAlgorithm" must be HS256 or RS256.`)
  }
  const audiences = (Array.isArray(config.audience) ? config.audience : [config.audience]).filter(
    (item): item is string => typeof item === 'string' && item !== '',
  )
  const requireAny = config.requireAnyAudience === true

  let keys: JWTVerifyGetKey | (CryptoKey | Uint8Array)[]
  if (config.useJWKURI === true) {
    if (typeof config.jwkURI !== 'string' || !/^https?:\/\//.test(config.jwkURI)) {
      throw new AppFolderError(`${where}: "useJWKURI" needs a "jwkURI" (an http(s) URL).`)
    }
    keys = createRemoteJWKSet(new URL(config.jwkURI), {
      timeoutDuration: 5_000,
      cooldownDuration: 30_000,
    })
  } else {
    const names = provider.secretConfig.signingKeys
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
      throw new AppFolderError(
        `${where}: "secret_config.signingKeys" must list the secrets holding the signing keys.`,
      )
    }
    keys = await Promise.all(
      names.map((name) => {
        const material = options.secret(name)
        if (material === undefined) {
          throw new AppFolderError(
            `${where}: the secret "${name}" has no value; set SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')} or pass it in createServer({ secrets }).`,
          )
        }
        return importKey(algorithm, material, where)
      }),
    )
  }

  return async (token) => {
    const verifyOptions = {
      algorithms: [algorithm],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(options.clock.now()),
      requiredClaims: ['sub', 'exp'],
      ...(audiences.length > 0 ? { audience: audiences } : {}),
    }
    let payload: JWTPayload | undefined
    let reason = 'signature does not verify'
    const candidates = Array.isArray(keys) ? keys : [keys]
    for (const key of candidates) {
      try {
        ;({ payload } =
          typeof key === 'function'
            ? await jwtVerify(token, key, verifyOptions)
            : await jwtVerify(token, key, verifyOptions))
        break
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
          reason = (error as Error).message
          break
        }
      }
    }
    if (!payload) throw new CustomTokenError(reason)
    if (!requireAny && audiences.length > 1) {
      const given = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
      if (!audiences.every((audience) => given.includes(audience))) {
        throw new CustomTokenError('the token must carry every configured audience')
      }
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 256) {
      throw new CustomTokenError('"sub" must be a string of 1 to 256 characters')
    }
    return { externalId: payload.sub, data: readMetadata(payload, provider.metadataFields) }
  }
}
