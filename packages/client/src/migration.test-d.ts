import { describe, expectTypeOf, it } from 'vitest'
import { App } from './App'
import { Credentials } from './Credentials'
import type { User } from './User'

// Code as realm-web 2.0.1 apps write it: it must compile against this client unchanged.
declare const app: App
declare const user: User

describe('realm-web code compiles as it is', () => {
  it('uses what the functions proxy resolves without a cast, as realm-web types it (any)', () => {
    expectTypeOf(user.functions.getPreferences!()).resolves.toBeAny()
    // callFunction stays typed by its argument, unknown without one, as in realm-web.
    expectTypeOf(user.callFunction('f')).resolves.toBeUnknown()
    expectTypeOf(user.callFunction<number>('f')).resolves.toBeNumber()
  })

  it('types custom data with an interface, which has no index signature', () => {
    interface Preferences {
      favoriteFood?: string
    }
    expectTypeOf<User<Preferences>['customData']>().toEqualTypeOf<Preferences>()
  })

  it('logs in with the secret of a key just created, and reads key ids as strings', async () => {
    const created = await user.apiKeys.create('laptop')
    expectTypeOf(Credentials.apiKey(created.key)).toMatchTypeOf<Credentials>()
    const ids: string[] = (await user.apiKeys.fetchAll()).map((key) => key._id)
    expectTypeOf(ids).toEqualTypeOf<string[]>()
  })

  it("takes realm-web's fetch functions, which are called with a URL string", () => {
    const logged = (url: string, init?: RequestInit) => fetch(url, init)
    expectTypeOf(new App({ id: 'a', fetch: logged })).toEqualTypeOf<App>()
    expectTypeOf(new App({ id: 'a', fetch: globalThis.fetch })).toEqualTypeOf<App>()
  })

  it('reads the profile the realm-web way', () => {
    expectTypeOf(user.profile.email).toEqualTypeOf<string | undefined>()
    expectTypeOf(user.profile.pictureUrl).toEqualTypeOf<string | undefined>()
    expectTypeOf(app.currentUser?.identities[0]?.providerType).toEqualTypeOf<string | undefined>()
  })
})
