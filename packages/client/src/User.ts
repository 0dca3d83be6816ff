import { apiError } from './ApiError'
import { ApiKeyAuth } from './ApiKeyAuth'
import type { Request } from './createTransport'
import type { Credentials } from './Credentials'
import { decodeJwtPayload } from './decodeJwtPayload'
import { decodeProfile, type ProfileAnswer } from './decodeProfile'
import { deserialize } from './ejson'
import {
  setUsers,
  type SessionStore,
  type UserIdentity,
  type UserProfile,
  type UserRecord,
} from './sessionStore'

/** A user's state, as in realm-web: logged in, logged out (still listed), or removed. */
export type UserState = 'active' | 'logged-out' | 'removed'

/** Custom data as the app stores it: a document of any shape. */
export type CustomData = Record<string, unknown>

/**
 * Calls server functions by property name: `user.functions.writeCustomUserData(patch)`. Results
 * are `any`, as in realm-web, so migrating code compiles as it is; `callFunction<T>()` types them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- realm-web's proxy type, kept for migrating code
export type FunctionsProxy = Record<string, (...args: unknown[]) => Promise<any>>

/** What a `User` needs from its `App`. */
export interface UserContext {
  readonly store: SessionStore
  readonly request: Request
  /** Refreshes the access token unless it already changed from `staleToken`. */
  refreshAccessToken(userId: string, staleToken: string | null): Promise<void>
  logOut(userId: string): Promise<void>
  /** Links the credentials' identity to the user (docs/protocol.md §3.5). */
  link(userId: string, credentials: Credentials): Promise<unknown>
}

// Names the proxy never turns into remote calls, beside Object.prototype's: what tools probe for.
const RESERVED = ['then', 'inspect', 'callFunction', 'toJSON']

/**
 * One user of an app. It holds no state of its own: every getter reads the app's session store,
 * so two references to the same user always agree.
 */
export class User<TCustomData extends object = CustomData> {
  // Public fields are `declare`d and set in the constructor: the bundle carries no field
  // initialisers for them (the client's size budget, test/size).
  declare readonly id: string
  /** Calls a server function by property name, as in realm-web. */
  declare readonly functions: FunctionsProxy
  /** The user's API keys (create, fetch, fetchAll, enable, disable, delete). */
  declare readonly apiKeys: ApiKeyAuth
  readonly #context: UserContext
  #decoded: { token: string; data: TCustomData } | undefined

  /** @internal The app creates users: use `app.currentUser`, `app.allUsers` or `app.logIn`. */
  constructor(context: UserContext, id: string) {
    this.#context = context
    this.id = id
    this.apiKeys = new ApiKeyAuth(context.request, id)
    this.functions = new Proxy<FunctionsProxy>(
      {},
      {
        get: (_target, name) => {
          if (typeof name !== 'string' || name in Object.prototype || RESERVED.includes(name))
            return undefined
          return (...args: unknown[]) => this.callFunction(name, ...args)
        },
      },
    )
  }

  get #record(): UserRecord | undefined {
    return this.#context.store.getState().users[this.id]
  }

  /** `active` (logged in), `logged-out` (still listed, no tokens) or `removed`. */
  get state(): UserState {
    const record = this.#record
    if (!record) return 'removed'
    return record.refreshToken ? 'active' : 'logged-out'
  }

  /** Whether the user is `active`. */
  get isLoggedIn(): boolean {
    return this.state === 'active'
  }

  /** The current access token (a JWT carrying the custom data), or null once logged out. */
  get accessToken(): string | null {
    return this.#record?.accessToken ?? null
  }

  /** The current refresh token (rotated at each refresh), or null once logged out. */
  get refreshToken(): string | null {
    return this.#record?.refreshToken ?? null
  }

  /** The provider of the user's first login on this device (`anon-user`, `local-userpass`, ...). */
  get providerType(): string | undefined {
    return this.#record?.providerType
  }

  /**
   * What the provider knows about the user (`email`, `name`, `pictureUrl`, ...), as reported at
   * login and named as in realm-web: `user.profile.email`. `{}` for a removed user.
   */
  get profile(): UserProfile {
    return this.#record?.profile?.data ?? {}
  }

  /** The user's identities (one per provider the user logged in with). */
  get identities(): readonly UserIdentity[] {
    return this.#record?.profile?.identities ?? []
  }

  /** The device id the server assigned to this session, or null. */
  get deviceId(): string | null {
    const token = this.accessToken
    const id = token ? decodeJwtPayload(token).baas_device_id : undefined
    return id && !/^0+$/.test(id) ? id : null
  }

  /**
   * The custom-data document carried in the current access token, fully decoded (`Date`,
   * `ObjectId`, `bigint` beyond 2^53, `Decimal128`, `Binary`, ...): no request. `{}` when the user
   * has none or is logged out. The same object is returned until the token changes.
   *
   * @throws ApiError `CustomDataOmitted` when the server left the document out of the token
   * because it is over the server's size cap: never silently empty data (docs/protocol.md §17.4).
   */
  get customData(): TCustomData {
    const token = this.accessToken
    if (!token) return {} as TCustomData
    if (this.#decoded?.token !== token) {
      const { user_data: data = {}, user_data_omitted: omitted } = decodeJwtPayload(token)
      if (omitted)
        throw apiError(
          'CustomDataOmitted',
          `Custom data of user ${this.id} is over the size cap: not in the token`,
        )
      this.#decoded = { token, data: deserialize(data) as TCustomData }
    }
    return this.#decoded.data
  }

  /**
   * Reads the profile from the server again (one request) and resolves with it: what the
   * provider knows may have changed since the login (a custom token's claims at another login).
   */
  async refreshProfile(): Promise<UserProfile> {
    const profile = decodeProfile(
      await this.#context.request<ProfileAnswer>({
        method: 'GET',
        path: '/auth/profile',
        userId: this.id,
        idempotent: true,
      }),
    )
    // The record as it is now: tokens may have changed while the profile was on its way.
    const record = this.#record
    if (record) setUsers(this.#context.store, { [this.id]: { ...record, profile } })
    return profile.data
  }

  /** Refreshes the access token now: one request, or none while another refresh is in flight. */
  refreshAccessToken(): Promise<void> {
    return this.#context.refreshAccessToken(this.id, this.accessToken)
  }

  /** Refreshes the access token, and with it the custom data, from the server: one request. */
  async refreshCustomData(): Promise<TCustomData> {
    await this.refreshAccessToken()
    return this.customData
  }

  /**
   * Calls a server function with the given arguments and resolves with its decoded result. When
   * the call changed the user's custom data, a server with docs/protocol.md §17.3 sends a fresh token
   * along: `customData` is then already up to date, with no second request.
   */
  async callFunction<TResult = unknown>(name: string, ...args: unknown[]): Promise<TResult> {
    if (!name || typeof name !== 'string')
      throw apiError('InvalidParameter', 'callFunction needs a function name')
    return this.#context.request<TResult>({
      method: 'POST',
      path: '/functions/call',
      appScoped: true,
      body: { name, arguments: args },
      userId: this.id,
    })
  }

  /**
   * Adds the identity of other credentials to this user, as realm-web does: an anonymous user
   * who registers keeps its id and custom data by linking `Credentials.emailPassword(...)`. The
   * user keeps its session; `identities` and `profile` then show the new identity. An identity
   * another user already has is refused (`InvalidSession`, "a user already exists with the
   * specified provider").
   */
  async linkCredentials(credentials: Credentials): Promise<void> {
    await this.#context.link(this.id, credentials)
  }

  /** Ends the session on the server and forgets the tokens; the user stays listed, logged out. */
  logOut(): Promise<void> {
    return this.#context.logOut(this.id)
  }

  /** What `JSON.stringify(user)` shows: never the tokens. */
  toJSON(): { id: string; state: UserState; providerType: string | undefined } {
    return { id: this.id, state: this.state, providerType: this.providerType }
  }
}
