import { createHmac, timingSafeEqual } from 'node:crypto'
import type { EndpointConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'

const equal = (given: string, expected: string): boolean => {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** What a request brings to prove it holds the endpoint's secret. */
export interface SecretProof {
  /** The `secret` query parameter. */
  readonly query: string | undefined
  /** The signature header: `Endpoint-Signature` (endpoints) or `X-Hook-Signature` (webhooks). */
  readonly signature: string | undefined
  readonly body: Uint8Array
}

/**
 * App Services' request validation (data-api/custom-endpoints, "Authorize the Request";
 * services/webhook-requests-and-responses): `SECRET_AS_QUERY_PARAM` wants the secret as the
 * `secret` query parameter; `VERIFY_PAYLOAD` wants `sha256=<hex>`, the HMAC-SHA256 of the raw body
 * under the secret. A missing or wrong proof is 401 `AuthError`; comparisons take constant time.
 */
export const checkEndpointSecret = (
  endpoint: EndpointConfig,
  secret: string | undefined,
  proof: SecretProof,
): void => {
  if (endpoint.validation === 'NO_VALIDATION') return
  // A secret without a value disables its endpoint at start-up; never let an empty one pass.
  if (!secret) {
    throw new ServiceError(ErrorCode.AuthError, 'this endpoint has no secret configured')
  }
  if (endpoint.validation === 'SECRET_AS_QUERY_PARAM') {
    if (proof.query === undefined || !equal(proof.query, secret)) {
      throw new ServiceError(ErrorCode.AuthError, 'invalid or missing "secret" query parameter')
    }
    return
  }
  const expected = `sha256=${createHmac('sha256', secret).update(proof.body).digest('hex')}`
  const given = proof.signature?.trim().toLowerCase()
  if (given === undefined || !equal(given, expected)) {
    const header = endpoint.kind === 'webhook' ? 'X-Hook-Signature' : 'Endpoint-Signature'
    throw new ServiceError(
      ErrorCode.AuthError,
      `invalid or missing ${header} header (sha256=<hex HMAC-SHA256 of the body>)`,
    )
  }
}
