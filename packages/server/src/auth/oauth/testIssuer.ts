import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose'

/** A signing key of the issuer, with the id its tokens name. */
interface IssuerKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: Record<string, unknown>
}

/**
 * For tests of the server's ID-token checks: an issuer on a real port of 127.0.0.1 that publishes
 * its discovery document and its keys (JWKS) and signs ID tokens with jose. It plays only the part
 * of a provider those checks read; the whole OpenID Connect flows run against a certified
 * provider in test/oauth.
 */
export interface TestIssuer {
  /** The issuer URL (`iss`), also the discovery base. */
  readonly url: string
  /** How many times the keys were fetched. */
  readonly jwksRequests: () => number
  /** Signs an ID token with the current key; claims override the defaults (`exp` in 5 min). */
  issue(
    claims: JWTPayload,
    options?: { kid?: string; key?: 'current' | 'stranger' },
  ): Promise<string>
  /** Replaces the published key with a new one (a key rotation at the provider). */
  rotate(): Promise<void>
  close(): Promise<void>
}

const newKey = async (kid: string): Promise<IssuerKey> => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  }
}

export const startTestIssuer = async (): Promise<TestIssuer> => {
  let key = await newKey('key-1')
  const stranger = await newKey('key-1')
  let generation = 1
  let jwksRequests = 0
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const send = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.url === '/jwks') {
      jwksRequests++
      return send({ keys: [key.publicJwk] })
    }
    if (request.url === '/.well-known/openid-configuration') {
      return send({
        issuer: url,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
      })
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    jwksRequests: () => jwksRequests,
    async issue(claims, options = {}) {
      const signer = options.key === 'stranger' ? stranger : key
      return new SignJWT({ iss: url, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? signer.kid })
        .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
        .sign(signer.privateKey)
    },
    async rotate() {
      generation++
      key = await newKey(`key-${generation}`)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
