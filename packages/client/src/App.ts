import { invalidResponse } from './ApiError'
import { asString } from './asString'
import { autoRefresh } from './autoRefresh'
import { createTokenManager, loggedOut } from './createTokenManager'
import { createTransport, type Fetch, type Request } from './createTransport'
import { liveCustomData } from './liveCustomData'
import type { Credentials } from './Credentials'
import { decodeProfile, type ProfileAnswer } from './decodeProfile'
import { createEmailPasswordAuth, type EmailPasswordAuth } from './EmailPasswordAuth'
import { loadSession, persistSession } from './persistSession'
import {
  createSessionStore,
  setUsers,
  withTokens,
  type SessionStore,
  type UserRecord,
} from './sessionStore'
import { createDefaultStorage, type SessionStorage } from './storage'
import { User, type UserContext } from './User'

/** How to reach an App Services-compatible server. */
export interface AppConfiguration {
  /** The client App ID, e.g. `myapp-abcde`. */
  readonly id: string
  /** The server's URL. Default `https://services.cloud.mongodb.com`. */
  readonly baseUrl?: string
  /** Where the session persists. Default: `localStorage` in browsers, memory elsewhere. */
  readonly storage?: SessionStorage
  /**
   * The `fetch` to send requests with. Default: the global one. It is called with a URL string,
   * so realm-web's `(url: string, init) => ...` fetch functions fit as they are.
   */
  readonly fetch?: Fetch | undefined
  /** Use `baseUrl` as is, without asking the server for its location first. */
  readonly skipLocationRequest?: boolean
  /**
   * Share logins, logouts and tokens with the other tabs of this origin (BroadcastChannel), and
   * let one tab at a time refresh a user's token (Web Locks). Default: on when the storage is
   * shared between tabs (`localStorage`).
   */
  readonly crossTab?: boolean
  /**
   * Refresh the current user's access token shortly before it expires, in the background.
   * Default: on in browsers, off elsewhere (tokens are then refreshed when a request needs one).
   */
  readonly autoRefresh?: boolean
  /**
   * Keep the current user's custom data live: one stream per browser, open while a tab is
   * visible, pushes each change of the user's custom data made anywhere (docs/protocol.md §17.7).
   * Default: on in browsers, unless `autoRefresh` is off (both keep the data fresh in the
   * background); off elsewhere.
   */
  readonly liveCustomData?: boolean
  /**
   * How credentials with a `redirectUrl` (Google, Apple, Facebook, OpenID Connect) sign in:
   * `popupRedirect` from `@react-custom-data/client/redirect` opens the provider's page in a
   * popup, as realm-web did. A separate import, so apps without it do not ship it.
   */
  readonly redirect?: RedirectFlow | undefined
}

/** What a redirect flow is given: the credentials, and how to reach the server. */
export interface RedirectFlowInput {
  readonly credentials: Credentials
  readonly redirectUrl: string
  /** For a link: the user whose access token asks. */
  readonly userId: string | undefined
  /** The device information a login sends (`deviceId` as hex). */
  readonly device: Readonly<Record<string, unknown>>
  readonly request: Request
}

/**
 * Runs the OAuth redirect flow (docs/protocol.md §3.6) and resolves with the login answer
 * (`access_token`, `refresh_token`, `user_id`, `device_id`).
 */
export type RedirectFlow = (input: RedirectFlowInput) => Promise<Record<string, unknown>>

interface LoginAnswer {
  access_token?: unknown
  refresh_token?: unknown
  user_id?: unknown
  device_id?: unknown
  profile?: ProfileAnswer
}

const noRedirectFlow = (): never => {
  throw new TypeError(
    'A redirectUrl needs new App({ redirect: popupRedirect }), from "@react-custom-data/client/redirect"',
  )
}

// A device id the server assigned: 24 hex digits, not all zero (docs/protocol.md §3.3).
const DEVICE_ID = /^(?!0{24})[\da-f]{24}$/i

/**
 * The client for one App Services app: logs users in, keeps their sessions in a zustand store
 * (persisted, shared with other tabs), refreshes their tokens, and hands out `User` objects.
 * Shaped like realm-web's `App` so migrating code reads the same.
 */
export class App {
  declare readonly id: string
  declare readonly baseUrl: string
  /** The session store: the one source of truth the React package and other readers subscribe to. */
  declare readonly store: SessionStore
  /** Registration, confirmation and password reset for the email/password provider. */
  declare readonly emailPasswordAuth: EmailPasswordAuth
  readonly #storage: SessionStorage
  readonly #deviceKey: string
  readonly #request: Request
  // Users by id, so that each id always yields the same User object.
  readonly #users: Record<string, User> = Object.create(null) as Record<string, User>
  readonly #userContext: UserContext
  readonly #redirect: RedirectFlow | undefined

  constructor(configuration: AppConfiguration | string) {
    const config = typeof configuration === 'string' ? { id: configuration } : { ...configuration }
    const { id, storage = createDefaultStorage() } = config
    if (!id || typeof id !== 'string')
      throw new TypeError('new App() needs an app id: new App({ id, baseUrl })')
    this.id = id
    this.baseUrl = config.baseUrl ?? 'https://services.cloud.mongodb.com'
    this.#storage = storage
    const prefix = `react-custom-data:app(${id}):`
    this.#deviceKey = `${prefix}deviceId`
    const store = (this.store = createSessionStore(loadSession(storage, prefix)))
    const tokens = createTokenManager({
      store,
      persistence: persistSession({
        store,
        storage,
        prefix,
        crossTab: config.crossTab ?? !!storage.shared,
      }),
      prefix,
      request: (options) => request(options),
      shared: storage.shared,
    })
    const request = (this.#request = createTransport(
      { ...config, id, baseUrl: this.baseUrl },
      tokens,
    ))
    this.#redirect = config.redirect
    this.#userContext = {
      ...tokens,
      store,
      request,
      link: (userId, credentials) => this.#authenticate(credentials, userId),
    }
    this.emailPasswordAuth = createEmailPasswordAuth(request)
    const background = config.autoRefresh ?? typeof document === 'object'
    if (background) autoRefresh(store, tokens.refreshAccessToken)
    if (config.liveCustomData ?? (background && typeof document === 'object'))
      liveCustomData({
        store,
        session: tokens,
        request,
        fetch: config.fetch ?? ((input, init) => fetch(input, init)),
        prefix,
      })
  }

  /** The most recently logged-in user who is still logged in, or null. */
  get currentUser(): User | null {
    const id = this.store.getState().currentUserId
    return id ? this.#user(id) : null
  }

  /** Every user this app knows, logged in or out, by id (the most recent first). */
  get allUsers(): Readonly<Record<string, User>> {
    return Object.fromEntries(this.store.getState().userIds.map((id) => [id, this.#user(id)]))
  }

  /**
   * Logs in with the given credentials and makes that user current. One request to our server
   * (the profile comes with the answer, docs/protocol.md §17.2); two to servers without that.
   * Credentials with a `redirectUrl` run the `redirect` flow given to the app.
   */
  async logIn(credentials: Credentials): Promise<User> {
    const { users, userIds } = this.store.getState()
    // Only a still logged-in anonymous user is reused: a logged-out one cannot come back.
    const reusable =
      credentials.reuse &&
      userIds.find((id) => users[id]?.providerType === 'anon-user' && users[id]?.refreshToken)
    if (reusable) return this.switchUser(this.#user(reusable))
    return this.#authenticate(credentials)
  }

  // A login, or with `userId` a link of the credentials' identity to that user (docs/protocol.md
  // §3.5): the same request with the user's access token, answered with a new access token only.
  async #authenticate(credentials: Credentials, userId?: string): Promise<User> {
    const storedDeviceId = this.#storage.get(this.#deviceKey)
    const device = {
      sdkVersion: '0.1.0',
      platform: typeof document === 'object' ? 'web' : 'node',
      platformVersion: '0.0.0',
      // Only a well-formed id: a bad one would break every later login (docs/protocol.md §3.3).
      // Hex, which the server takes as well as realm-web's ObjectId.
      deviceId: DEVICE_ID.test(storedDeviceId!) ? storedDeviceId : undefined,
    }
    const { redirectUrl } = credentials.payload
    const answer: LoginAnswer | null =
      typeof redirectUrl === 'string'
        ? await (this.#redirect ?? noRedirectFlow)({
            credentials,
            redirectUrl,
            userId,
            device,
            request: this.#request,
          })
        : await this.#request({
            method: 'POST',
            path: `/auth/providers/${encodeURIComponent(credentials.providerName)}/login${userId ? '?link=true' : ''}`,
            appScoped: true,
            body: { ...credentials.payload, options: { device, refreshTokenRotation: true } },
            userId,
          })
    const { access_token: accessToken, user_id: id, device_id: deviceId, profile } = answer ?? {}
    if (typeof id !== 'string' || typeof accessToken !== 'string' || (userId && id !== userId))
      throw invalidResponse('login')
    const previous = this.store.getState().users[id]
    // A link answers no refresh token: the session keeps its own.
    const refreshToken = asString(answer?.refresh_token) || previous?.refreshToken
    if (!refreshToken) throw invalidResponse('login')
    try {
      if (DEVICE_ID.test(deviceId as string)) this.#storage.set(this.#deviceKey, deviceId as string)
    } catch {
      // A full storage must not fail a login the server already made; the session's own writes
      // warn about it.
    }
    const record = withTokens(
      {
        id,
        providerType: previous?.providerType ?? credentials.providerType,
        // The new session's record is newer than the one it replaces, whatever the clock says.
        updatedAt: previous?.updatedAt,
        accessToken,
        refreshToken,
        profile: decodeProfile(
          profile ??
            // Servers without the profile in the login answer (docs/protocol.md §17.2) need a second
            // request.
            (await this.#request<ProfileAnswer>({
              method: 'GET',
              path: '/auth/profile',
              bearer: accessToken,
              idempotent: true,
            })),
        ),
      },
      accessToken,
    )
    // A link leaves the order of users as it is.
    return userId
      ? (setUsers(this.store, { [id]: record }), this.#user(id))
      : this.#putFirst(id, { [id]: record })
  }

  /** Makes a logged-in user the current one. */
  switchUser(user: User): User {
    if (user.state !== 'active') throw loggedOut(user.id)
    return this.#putFirst(user.id)
  }

  /**
   * Logs a user out (if still logged in) and forgets it on this device: it leaves `allUsers`
   * and storage. The user's data on the server stays.
   */
  async removeUser(user: User): Promise<void> {
    try {
      await this.#userContext.logOut(user.id)
    } finally {
      this.#forget(user.id)
    }
  }

  /**
   * Deletes a user on the server, authenticated as that user (not as the current user, as
   * realm-web does), then forgets it on this device.
   */
  async deleteUser(user: User): Promise<void> {
    await this.#request({ method: 'DELETE', path: '/auth/delete', userId: user.id })
    this.#forget(user.id)
  }

  // Moves a user to the front of the list (current, when logged in), with any changed records.
  #putFirst(id: string, changes: Record<string, UserRecord> = {}): User {
    setUsers(this.store, changes, [id, ...this.store.getState().userIds])
    return this.#user(id)
  }

  #forget(userId: string): void {
    setUsers(this.store, { [userId]: null })
  }

  #user(id: string): User {
    return (this.#users[id] ??= new User(this.#userContext, id))
  }
}
