import {
  App as OurApp,
  Credentials as OurCredentials,
  createMemoryStorage,
  type SessionStorage,
} from '@react-custom-data/client'
import * as Realm from 'realm-web'
import { SharedRealmStorage } from '../support/realmWeb'

/** The part of a user both SDKs share, with realm-web's names. */
export interface SdkUser {
  readonly id: string
  readonly state: string
  readonly customData: Record<string, unknown>
  readonly refreshToken: string | null
  readonly accessToken: string | null
  refreshCustomData(): Promise<Record<string, unknown>>
  callFunction(name: string, ...args: unknown[]): Promise<unknown>
  logOut(): Promise<void>
  readonly apiKeys: {
    create(name: string): Promise<{ _id: unknown; key?: string; name: string }>
    disable(id: string): Promise<void>
    fetch(id: string): Promise<{ disabled: boolean }>
  }
}

/** The part of an app both SDKs share. */
export interface SdkApp {
  readonly currentUser: SdkUser | null
  logIn(credentials: unknown): Promise<SdkUser>
  readonly emailPasswordAuth: {
    registerUser(details: { email: string; password: string }): Promise<void>
  }
}

/** One SDK under test: how to make an app (on a storage shared by "page loads") and credentials. */
export interface Sdk {
  readonly name: 'realm-web 2.0.1' | 'our client'
  /** A storage that outlives one app instance, as localStorage outlives a page. */
  createStorage(): unknown
  createApp(baseUrl: string, storage: unknown): SdkApp
  readonly credentials: {
    anonymous(): unknown
    emailPassword(email: string, password: string): unknown
    apiKey(key: string): unknown
    jwt(token: string): unknown
  }
}

export const realmWebSdk: Sdk = {
  name: 'realm-web 2.0.1',
  createStorage: () => new SharedRealmStorage(),
  createApp: (baseUrl, storage) =>
    new Realm.App({
      id: 'compat-app-abcde',
      baseUrl,
      storage: storage as SharedRealmStorage,
    }),
  credentials: {
    anonymous: () => Realm.Credentials.anonymous(false),
    emailPassword: (email, password) => Realm.Credentials.emailPassword(email, password),
    apiKey: (key) => Realm.Credentials.apiKey(key),
    jwt: (token) => Realm.Credentials.jwt(token),
  },
}

export const ourSdk: Sdk = {
  name: 'our client',
  createStorage: () => createMemoryStorage(),
  createApp: (baseUrl, storage) =>
    new OurApp({
      id: 'compat-app-abcde',
      baseUrl,
      storage: storage as SessionStorage,
      autoRefresh: false,
      crossTab: false,
    }),
  credentials: {
    anonymous: () => OurCredentials.anonymous(false),
    emailPassword: (email, password) => OurCredentials.emailPassword(email, password),
    apiKey: (key) => OurCredentials.apiKey(key),
    jwt: (token) => OurCredentials.jwt(token),
  },
}

/** Both SDKs: every compatibility scenario runs once with each. */
export const sdks: readonly Sdk[] = [realmWebSdk, ourSdk]
