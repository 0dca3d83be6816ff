import { ApiError } from './ApiError'
import type { Transport } from './createTransport'
import { decodeJwtPayload } from './decodeJwtPayload'
import { deserialize } from './ejson'
import type { SessionStore, UserProfileData, UserRecord } from './sessionStore'

/** A user's state, as in realm-web: logged in, logged out (still listed), or removed. */
export type UserState = 'active' | 'logged-out' | 'removed'

/** Custom data as the app stores it: a document of any shape. */
export type CustomData = Record<string, unknown>

/** Calls server functions by property name: `user.functions.writeCustomUserData(patch)`. */
export type FunctionsProxy = Record<string, (...args: unknown[]) => Promise<unknown>>

/** What a `User` needs from its `App`. */
export interface UserContext {
  readonly store: SessionStore
  readonly transport: Transport
  refreshAccessToken(userId: string): Promise<void>
  logOut(userId: string): Promise<void>
}

// Names the proxy never turns into remote calls: Object.prototype's, and what tools probe for.
const RESERVED = new Set<string | symbol>([
  ...Object.getOwnPropertyNames(Object.prototype),
  'then',
  'inspect',
  'callFunction',
  'toJSON',
])

/**
 * One user of an app. It holds no state of its own: every getter reads the app's session store,
 * so two references to the same user always agree.
 */
export class User<TCustomData extends CustomData = CustomData> {
  readonly id: string
  /** Calls a server function by property name, as in realm-web. */
  readonly functions: FunctionsProxy
  readonly #context: UserContext
  #decoded: { token: string; data: TCustomData } | undefined

  constructor(context: UserContext, id: string) {
    this.#context = context
    this.id = id
    this.functions = new Proxy<FunctionsProxy>(
      {},
      {
        get: (_target, name) => {
          if (typeof name !== 'string' || RESERVED.has(name)) return undefined
          return (...args: unknown[]) => this.callFunction(name, ...args)
        },
      },
    )
  }

  get #record(): UserRecord | undefined {
    return this.#context.store.getState().users[this.id]
  }

  get state(): UserState {
    const record = this.#record
    if (!record) return 'removed'
    return record.refreshToken ? 'active' : 'logged-out'
  }

  get isLoggedIn(): boolean {
    return this.state === 'active'
  }

  get accessToken(): string | null {
    return this.#record?.accessToken ?? null
  }

  get refreshToken(): string | null {
    return this.#record?.refreshToken ?? null
  }

  get providerType(): string | undefined {
    return this.#record?.providerType
  }

  /** The profile the server reported at login; null before it is known. */
  get profile(): UserProfileData | null {
    return this.#record?.profile ?? null
  }

  /**
   * The custom-data document carried in the current access token, fully decoded (dates,
   * ObjectIds, numbers): no request. `{}` when the user has none. The same object is returned
   * until the token changes.
   */
  get customData(): TCustomData {
    const token = this.accessToken
    if (!token) return {} as TCustomData
    if (this.#decoded?.token !== token) {
      const payload = decodeJwtPayload(token)
      const data = (
        payload.user_data === undefined ? {} : deserialize(payload.user_data)
      ) as TCustomData
      this.#decoded = { token, data }
    }
    return this.#decoded.data
  }

  /** Refreshes the access token, and with it the custom data, from the server: one request. */
  async refreshCustomData(): Promise<TCustomData> {
    await this.#context.refreshAccessToken(this.id)
    return this.customData
  }

  /** Calls a server function with the given arguments and resolves with its decoded result. */
  callFunction<TResult = unknown>(name: string, ...args: unknown[]): Promise<TResult> {
    if (typeof name !== 'string' || name === '') {
      return Promise.reject(
        new ApiError({
          status: 0,
          errorCode: 'InvalidParameter',
          message: 'callFunction needs a function name',
        }),
      )
    }
    return this.#context.transport.request<TResult>({
      method: 'POST',
      path: '/functions/call',
      appScoped: true,
      body: { name, arguments: args },
      userId: this.id,
    })
  }

  /** Ends the session on the server and forgets the tokens; the user stays listed, logged out. */
  logOut(): Promise<void> {
    return this.#context.logOut(this.id)
  }

  toJSON(): { id: string; state: UserState; providerType: string | undefined } {
    return { id: this.id, state: this.state, providerType: this.providerType }
  }
}
