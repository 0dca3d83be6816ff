import type { Request, RequestOptions } from './createTransport'
import type { ObjectId } from './ObjectId'

/** A user API key as the server describes it (docs/protocol.md §6). */
export interface ApiKey {
  /** The key's id, as a hex string. */
  readonly _id: string
  readonly name: string
  readonly disabled: boolean
}

/** A key just created: with its secret, which no later answer holds. */
export interface NewApiKey extends ApiKey {
  /** The secret. Log in with `Credentials.apiKey(key)`. */
  readonly key: string
}

const keyPath = (keyId: ObjectId | string): string => `/${encodeURIComponent(String(keyId))}`

/**
 * A user's API keys, as realm-web's `user.apiKeys`. These routes authenticate with the refresh
 * token: a 401 `InvalidSession` is answered by one refresh (or by waiting for the one in flight,
 * which may just have rotated the token) and one retry; a refused refresh logs the user out.
 */
export class ApiKeyAuth {
  readonly #request: <T>(
    method: RequestOptions['method'],
    path?: string,
    body?: object,
  ) => Promise<T>

  /** @internal The user creates it: use `user.apiKeys`. */
  constructor(send: Request, userId: string) {
    this.#request = (method, path = '', body) =>
      send({
        method,
        path: `/auth/api_keys${path}`,
        tokenType: 'refresh',
        userId,
        body,
        idempotent: method !== 'POST',
      })
  }

  /** Creates a key; its secret `key` is in this answer only. */
  create(name: string): Promise<NewApiKey> {
    return this.#request('POST', '', { name })
  }

  /** One key, without its secret. */
  fetch(keyId: ObjectId | string): Promise<ApiKey> {
    return this.#request('GET', keyPath(keyId))
  }

  /** All of the user's keys, without their secrets. */
  fetchAll(): Promise<ApiKey[]> {
    return this.#request('GET')
  }

  /** Deletes a key: logins with it fail from then on. */
  async delete(keyId: ObjectId | string): Promise<void> {
    await this.#request('DELETE', keyPath(keyId))
  }

  /** Lets a disabled key log in again. */
  async enable(keyId: ObjectId | string): Promise<void> {
    await this.#request('PUT', `${keyPath(keyId)}/enable`)
  }

  /** Stops a key from logging in, without deleting it. */
  async disable(keyId: ObjectId | string): Promise<void> {
    await this.#request('PUT', `${keyPath(keyId)}/disable`)
  }
}
