import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import * as Realm from 'realm-web'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SharedRealmStorage } from '../support/realmWeb'

// App Services' error texts, which realm-web 2.0.1 hands apps as `error.error` and which apps
// match on: each test repeats one of realm-js' own integration tests
// (packages/realm-web-integration-tests/src/email-password-auth.test.ts and user.test.ts), run
// against this server with realm-web 2.0.1 and an app configured like theirs (autoConfirm, a
// reset function that refuses; its functions in App Services' older folder layout).
const appDir = fileURLToPath(new URL('./app-texts', import.meta.url))

describe.each(testStores())(
  "App Services' error texts through realm-web 2.0.1 on $kind",
  (storeKind) => {
    let server: TestServer
    let seq = 0
    beforeAll(async () => {
      server = await startTestServer({ appDir, storeKind })
    })
    afterAll(() => server.close())

    const newApp = () =>
      new Realm.App({
        id: 'texts-app-abcde',
        baseUrl: server.url,
        storage: new SharedRealmStorage(),
      })
    const registered = async () => {
      const app = newApp()
      const email = `gilfoil-${++seq}@testing.mongodb.com`
      const password = 'my-super-secret-password'
      await app.emailPasswordAuth.registerUser({ email, password })
      return { app, email, password }
    }

    it('"confirm a user": an invalid token is "invalid token data"', async () => {
      const { app } = await registered()
      await expect(
        app.emailPasswordAuth.confirmUser({ token: 'e30=', tokenId: 'some-token-id' }),
      ).rejects.toMatchObject({ error: 'invalid token data' })
    })

    it('"resend email confirmation": "already confirmed"', async () => {
      const { app, email } = await registered()
      await expect(app.emailPasswordAuth.resendConfirmationEmail({ email })).rejects.toMatchObject({
        error: 'already confirmed',
      })
    })

    it('"retry custom confirmation": "cannot run confirmation for …: automatic confirmation is enabled"', async () => {
      const { app, email } = await registered()
      await expect(app.emailPasswordAuth.retryCustomConfirmation({ email })).rejects.toMatchObject({
        error: `cannot run confirmation for ${email}: automatic confirmation is enabled`,
      })
    })

    it('"can request a password reset": "please use reset password via function"', async () => {
      const { app, email } = await registered()
      await expect(app.emailPasswordAuth.sendResetPasswordEmail({ email })).rejects.toMatchObject({
        error: 'please use reset password via function',
      })
    })

    it('"can reset a password via a function": failed to reset password for user "…"', async () => {
      const { app, email } = await registered()
      await expect(
        app.emailPasswordAuth.callResetPasswordFunction(
          { email, password: 'my-new-password' },
          'some-argument',
        ),
      ).rejects.toMatchObject({ error: `failed to reset password for user "${email}"` })
    })

    it('"can be deleted": logging in again is refused with "unauthorized", as is a wrong password', async () => {
      const { app, email, password } = await registered()
      const user = await app.logIn(Realm.Credentials.emailPassword(email, password))
      await expect(
        app.logIn(Realm.Credentials.emailPassword(email, 'not the password')),
      ).rejects.toMatchObject({
        error: 'unauthorized',
        errorCode: 'InvalidPassword',
        statusCode: 401,
      })
      await app.deleteUser(user)
      await expect(app.logIn(Realm.Credentials.emailPassword(email, password))).rejects.toThrow(
        'unauthorized',
      )
    })
  },
)
