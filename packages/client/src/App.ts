import { ApiError, isApiError } from './ApiError'
import { createTransport, type Transport } from './createTransport'
import type { Credentials } from './Credentials'
import { ObjectId } from './ObjectId'
import {
  createSessionStore,
  emptySession,
  withCurrentUser,
  type SessionState,
  type SessionStore,
  type UserProfileData,
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
  /** The `fetch` to send requests with. Default: the global one. */
  readonly fetch?: typeof fetch
  /** Use `baseUrl` as is, without asking the server for its location first. */
  readonly skipLocationRequest?: boolean
}

interface LoginAnswer {
  access_token: string
  refresh_token?: string | null
  user_id: string
  device_id: string
  profile?: RawProfile
}

interface RawProfile {
  type: string
  identities: { id: string; provider_type: string }[]
  data: Record<string, unknown>
}

const DEFAULT_BASE_URL = 'https://services.cloud.mongodb.com'
const ZERO_DEVICE_ID = '000000000000000000000000'

const toProfile = (raw: RawProfile): UserProfileData => ({
  type: raw.type,
  identities: raw.identities.map((identity) => ({
    id: identity.id,
    providerType: identity.provider_type,
  })),
  data: raw.data,
})

const readSession = (storage: SessionStorage, key: string): SessionState => {
  const text = storage.get(key)
  if (!text) return emptySession
  try {
    const parsed = JSON.parse(text) as Pick<SessionState, 'users' | 'userIds'>
    if (typeof parsed.users !== 'object' || !Array.isArray(parsed.userIds))
      throw new Error('unexpected shape')
    return withCurrentUser({
      users: parsed.users,
      userIds: parsed.userIds.filter((id) => id in parsed.users),
    })
  } catch (error) {
    console.warn(
      `react-custom-data: the stored session under "${key}" is unreadable and was reset (${String(error)})`,
    )
    storage.remove(key)
    return emptySession
  }
}

/**
 * The client for one App Services app: logs users in, keeps their sessions in a zustand store,
 * and hands out `User` objects. Shaped like realm-web's `App` so migrating code reads the same.
 */
export class App {
  readonly id: string
  readonly baseUrl: string
  /** The session store: the one source of truth the React package and other readers subscribe to. */
  readonly store: SessionStore
  readonly #storage: SessionStorage
  readonly #transport: Transport
  readonly #users = new Map<string, User>()
  readonly #refreshing = new Map<string, Promise<void>>()
  readonly #userContext: UserContext

  constructor(configuration: AppConfiguration | string) {
    const config = typeof configuration === 'string' ? { id: configuration } : configuration
    if (!config.id) throw new TypeError('new App() needs an app id')
    this.id = config.id
    this.baseUrl = config.baseUrl ?? DEFAULT_BASE_URL
    this.#storage = config.storage ?? createDefaultStorage()
    const sessionKey = this.#storageKey('session')
    this.store = createSessionStore(readSession(this.#storage, sessionKey))
    this.store.subscribe((state) => {
      this.#storage.set(sessionKey, JSON.stringify({ users: state.users, userIds: state.userIds }))
    })
    this.#transport = createTransport({
      appId: this.id,
      baseUrl: this.baseUrl,
      fetch: config.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      skipLocationRequest: config.skipLocationRequest ?? false,
      session: {
        tokenOf: (userId, type) => {
          const record = this.store.getState().users[userId]
          return (type === 'access' ? record?.accessToken : record?.refreshToken) ?? null
        },
        refreshAccessToken: (userId) => this.#refreshAccessToken(userId),
        markLoggedOut: (userId) => this.#setTokens(userId, null, null),
      },
    })
    this.#userContext = {
      store: this.store,
      transport: this.#transport,
      refreshAccessToken: (userId) => this.#refreshAccessToken(userId),
      logOut: (userId) => this.#logOut(userId),
    }
  }

  /** The most recently logged-in user who is still logged in, or null. */
  get currentUser(): User | null {
    const id = this.store.getState().currentUserId
    return id ? this.#user(id) : null
  }

  /** Every user this app knows, logged in or out, by id. */
  get allUsers(): Readonly<Record<string, User>> {
    return Object.fromEntries(this.store.getState().userIds.map((id) => [id, this.#user(id)]))
  }

  /** Logs in with the given credentials and makes that user current. */
  async logIn(credentials: Credentials): Promise<User> {
    if (credentials.providerType === 'anon-user' && credentials.reuse) {
      const { users, userIds } = this.store.getState()
      const reusable = userIds.find(
        (id) => users[id]?.providerType === 'anon-user' && users[id]?.refreshToken,
      )
      if (reusable) return this.switchUser(this.#user(reusable))
    }
    const answer = await this.#transport.request<LoginAnswer>({
      method: 'POST',
      path: `/auth/providers/${encodeURIComponent(credentials.providerName)}/login`,
      appScoped: true,
      tokenType: 'none',
      body: { ...credentials.payload, options: { device: this.#deviceInfo() } },
    })
    if (typeof answer?.access_token !== 'string' || typeof answer.user_id !== 'string') {
      throw new ApiError({
        status: 0,
        errorCode: 'InvalidLoginAnswer',
        message: 'The login answer lacks access_token or user_id',
      })
    }
    if (typeof answer.device_id === 'string' && answer.device_id !== ZERO_DEVICE_ID) {
      this.#storage.set(this.#storageKey('deviceId'), answer.device_id)
    }
    const previous = this.store.getState().users[answer.user_id]
    const refreshToken = answer.refresh_token ?? previous?.refreshToken ?? null
    if (!refreshToken) {
      throw new ApiError({
        status: 0,
        errorCode: 'InvalidLoginAnswer',
        message: 'No refresh token in the login answer',
      })
    }
    let profile = answer.profile ? toProfile(answer.profile) : null
    if (!profile) {
      // Servers without the profile-in-login extension (PROTOCOL.md §17.2) need a second request.
      const raw = await this.#transport.request<RawProfile>({
        method: 'GET',
        path: '/auth/profile',
        bearer: answer.access_token,
      })
      profile = toProfile(raw)
    }
    const record: UserRecord = {
      id: answer.user_id,
      providerType: previous?.providerType ?? credentials.providerType,
      accessToken: answer.access_token,
      refreshToken,
      profile,
    }
    this.store.setState((state) =>
      withCurrentUser({
        users: { ...state.users, [record.id]: record },
        userIds: [record.id, ...state.userIds.filter((id) => id !== record.id)],
      }),
    )
    return this.#user(record.id)
  }

  /** Makes a logged-in user the current one. */
  switchUser(user: User): User {
    if (user.state !== 'active') {
      throw new ApiError({
        status: 0,
        errorCode: 'UserNotLoggedIn',
        message: `User ${user.id} is not logged in`,
      })
    }
    this.store.setState((state) =>
      withCurrentUser({
        users: state.users,
        userIds: [user.id, ...state.userIds.filter((id) => id !== user.id)],
      }),
    )
    return this.#user(user.id)
  }

  #user(id: string): User {
    let user = this.#users.get(id)
    if (!user) {
      user = new User(this.#userContext, id)
      this.#users.set(id, user)
    }
    return user
  }

  #storageKey(name: string): string {
    return `react-custom-data:app(${this.id}):${name}`
  }

  #deviceInfo(): Record<string, unknown> {
    const deviceId = this.#storage.get(this.#storageKey('deviceId'))
    return {
      sdkVersion: '0.1.0',
      platform: typeof window === 'undefined' ? 'node' : 'web',
      platformVersion: '0.0.0',
      ...(deviceId && /^[0-9a-f]{24}$/.test(deviceId) ? { deviceId: new ObjectId(deviceId) } : {}),
    }
  }

  #setTokens(userId: string, accessToken: string | null, refreshToken?: string | null): void {
    this.store.setState((state) => {
      const record = state.users[userId]
      if (!record) return state
      const next: UserRecord = {
        ...record,
        accessToken,
        refreshToken: refreshToken === undefined ? record.refreshToken : refreshToken,
      }
      return withCurrentUser({ users: { ...state.users, [userId]: next }, userIds: state.userIds })
    })
  }

  // One refresh in flight per user, however many callers ask at once.
  #refreshAccessToken(userId: string): Promise<void> {
    let pending = this.#refreshing.get(userId)
    if (!pending) {
      pending = this.#transport
        .request<{ access_token?: unknown }>({
          method: 'POST',
          path: '/auth/session',
          tokenType: 'refresh',
          userId,
        })
        .then((answer) => {
          if (typeof answer?.access_token !== 'string') {
            throw new ApiError({
              status: 0,
              errorCode: 'InvalidRefreshAnswer',
              message: "Expected an 'access_token' in the refresh answer",
            })
          }
          this.#setTokens(userId, answer.access_token)
        })
        .finally(() => this.#refreshing.delete(userId))
      this.#refreshing.set(userId, pending)
    }
    return pending
  }

  async #logOut(userId: string): Promise<void> {
    const record = this.store.getState().users[userId]
    if (!record?.refreshToken) return
    try {
      await this.#transport.request({
        method: 'DELETE',
        path: '/auth/session',
        tokenType: 'refresh',
        userId,
      })
    } catch (error) {
      // The session is already gone on the server: logging out locally is all that is left.
      if (!(
        isApiError(error) &&
        (error.status === 401 || error.message.includes('failed to find refresh token'))
      )) {
        this.#setTokens(userId, null, null)
        throw error
      }
    }
    this.#setTokens(userId, null, null)
  }
}
