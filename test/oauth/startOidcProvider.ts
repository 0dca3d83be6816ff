import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, {
  type AdapterPayload,
  type ClientMetadata,
  type KoaContextWithOIDC,
} from 'oidc-provider'

/** The redirect URI of codes meant for `Credentials.google({ authCode })`. */
export const AUTH_CODE_PATH = '/google-auth-code'

/** What the provider knows about a user: OpenID Connect standard claims. */
export interface TestAccount {
  readonly email: string
  readonly email_verified?: boolean
  readonly name?: string
  readonly given_name?: string
  readonly family_name?: string
  readonly picture?: string
}

/** A client registered at the provider (the app's Google client, or another app's). */
export interface TestClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUris: readonly string[]
}

/** The provider, on 127.0.0.1, and what tests need of it. */
export interface OidcProvider {
  /** The issuer (and the discovery base): `http://127.0.0.1:<port>`. */
  readonly issuer: string
  /** Registers the clients and starts answering; until then every request is 503. */
  start(clients: readonly TestClient[]): Promise<void>
  close(): Promise<void>
}

/** The provider's storage: a Map per model, as its own quick-start adapter (without the warning). */
class MemoryAdapter {
  static readonly #stores = new Map<string, Map<string, AdapterPayload>>()
  readonly #store: Map<string, AdapterPayload>

  constructor(model: string) {
    const store = MemoryAdapter.#stores.get(model) ?? new Map<string, AdapterPayload>()
    MemoryAdapter.#stores.set(model, store)
    this.#store = store
  }

  upsert(id: string, payload: AdapterPayload): Promise<void> {
    this.#store.set(id, payload)
    if (payload.uid) this.#store.set(`uid:${payload.uid}`, payload)
    if (payload.userCode) this.#store.set(`userCode:${payload.userCode}`, payload)
    return Promise.resolve()
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(id))
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(`uid:${uid}`))
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(`userCode:${userCode}`))
  }

  consume(id: string): Promise<void> {
    const payload = this.#store.get(id)
    if (payload) payload.consumed = Math.floor(Date.now() / 1000)
    return Promise.resolve()
  }

  destroy(id: string): Promise<void> {
    this.#store.delete(id)
    return Promise.resolve()
  }

  revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, payload] of this.#store) {
      if (payload.grantId === grantId) this.#store.delete(key)
    }
    return Promise.resolve()
  }
}

const LOGIN_PAGE = (uid: string, client: string) => `<!doctype html>
<meta charset="utf-8" />
<title>Sign in - Test Google</title>
<h1>Sign in to continue to ${client}</h1>
<form method="post" action="/interaction/${uid}/login">
  <label>Email <input name="login" type="email" autofocus required /></label>
  <button type="submit" id="sign-in">Next</button>
</form>`

const readForm = async (request: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/**
 * The certified OpenID Connect provider `oidc-provider` (8.x), set up as the tests' "Google": code
 * flow with PKCE required, client_secret_post, claims in the ID token as Google puts them there,
 * RS256 keys of its own, and a sign-in page of ours (the provider leaves its login UI to the
 * integrator): whoever types an email of `accounts` is signed in as that account, and consent is
 * granted at once (a first-party client, as the library's docs show with `loadExistingGrant`).
 * It listens first and takes its clients later, because the clients' redirect URI is the callback
 * of a server that needs the issuer URL to start.
 */
export const startOidcProvider = async (
  accounts: Readonly<Record<string, TestAccount>>,
): Promise<OidcProvider> => {
  let handle: ((request: IncomingMessage, response: ServerResponse) => void) | undefined
  const server = createServer((request, response) => {
    if (handle) handle(request, response)
    else response.writeHead(503).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: 'test-google-1',
    alg: 'RS256',
    use: 'sig',
  }

  return {
    issuer,
    start(clients) {
      const provider = new Provider(issuer, {
        clients: clients.map((client): ClientMetadata => ({
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uris: [...client.redirectUris],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        })),
        adapter: MemoryAdapter,
        jwks: { keys: [signingKey] },
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, IdToken: 3600 },
        cookies: { keys: ['test-google-cookie-key'] },
        claims: {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['name', 'given_name', 'family_name', 'picture'],
        },
        // Google puts the profile claims in its ID tokens.
        conformIdTokenClaims: false,
        // PKCE for every sign-in, except the codes an app's page gets for the server itself
        // (Google's server auth code: the page cannot keep a verifier the server would know).
        pkce: {
          required: (ctx) => {
            const redirectUri = ctx.oidc.params?.redirect_uri
            return !(typeof redirectUri === 'string' && redirectUri.endsWith(AUTH_CODE_PATH))
          },
        },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        findAccount: (_ctx, id) => {
          const account = accounts[id]
          if (!account) return undefined
          return { accountId: id, claims: () => ({ sub: id, ...account }) }
        },
        async loadExistingGrant(ctx: KoaContextWithOIDC) {
          const { client, session } = ctx.oidc
          if (!client || !session?.accountId) return undefined
          const existing = session.grantIdFor(client.clientId)
          if (existing) return ctx.oidc.provider.Grant.find(existing)
          const grant = new ctx.oidc.provider.Grant({
            clientId: client.clientId,
            accountId: session.accountId,
          })
          grant.addOIDCScope('openid email profile')
          await grant.save()
          session.grantIdFor(client.clientId, grant.jti)
          return grant
        },
      })
      const callback = provider.callback()
      handle = (request, response) => {
        const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(request.url?.split('?')[0] ?? '')
        if (!match) {
          void callback(request, response)
          return
        }
        void (async () => {
          try {
            const details = await provider.interactionDetails(request, response)
            if (!match[2]) {
              response.writeHead(200, { 'content-type': 'text/html' })
              response.end(LOGIN_PAGE(details.uid, String(details.params.client_id)))
              return
            }
            const login = (await readForm(request)).get('login') ?? ''
            const result = accounts[login]
              ? { login: { accountId: login } }
              : { error: 'access_denied', error_description: `no account ${login}` }
            await provider.interactionFinished(request, response, result, {
              mergeWithLastSubmission: false,
            })
          } catch (error) {
            response.writeHead(400, { 'content-type': 'text/plain' })
            response.end(String(error))
          }
        })()
      }
      return Promise.resolve()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
