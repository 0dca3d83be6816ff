import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

// Real exports, as realm-web 2.0.1 apps meet them: an older export whose client App ID lives in
// .mdb/meta.json, a data source of type "mongodb", HTTPS endpoints called with a realm-web user's
// token, and an app started before all its secrets are known.
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../packages/server/fixtures/${name}`, import.meta.url))

interface Doc {
  _id: unknown
  [key: string]: unknown
}

describe.each(testStores())('realm-web 2.0.1 against real export shapes, on $kind', (storeKind) => {
  let legacy: TestServer
  let endpoints: TestServer
  beforeAll(async () => {
    legacy = await startTestServer({ appDir: fixture('legacy-app'), storeKind })
    // Started without endpointsJwtKey (the custom-JWT provider's key) and neverSetSecret.
    endpoints = await startTestServer({
      appDir: fixture('endpoints-app'),
      storeKind,
      secrets: { endpointSecret: 'endpoint-secret-12345' },
    })
  })
  afterAll(async () => {
    await endpoints.close()
    await legacy.close()
  })

  const signUp = async (app: Realm.App, email: string) => {
    await app.emailPasswordAuth.registerUser({ email, password: 'a long enough password' })
    return app.logIn(Realm.Credentials.emailPassword(email, 'a long enough password'))
  }

  it('an older export answers to the client App ID .mdb/meta.json recorded, and to its name', async () => {
    const app = createRealmWebApp(legacy.url, 'legacy-app-xyzzy')
    const user = await signUp(app, 'legacy@example.com')
    expect(user.id).toMatch(/^[0-9a-f]{24}$/)
    const byName = createRealmWebApp(legacy.url, 'legacy-app')
    const again = await byName.logIn(
      Realm.Credentials.emailPassword('legacy@example.com', 'a long enough password'),
    )
    expect(again.id).toBe(user.id)
  })

  it('a data source of type "mongodb" is served like mongodb-atlas, to mongoClient and to webhooks', async () => {
    const app = createRealmWebApp(legacy.url, 'legacy-app-xyzzy')
    const user = await app.logIn(Realm.Credentials.anonymous(false))
    const items = user.mongoClient('mongodb-local').db('app').collection<Doc>('items')
    await items.insertOne({ sku: 'from-realm-web' })
    const hook = await fetch(
      `${legacy.url}/api/client/v2.0/app/legacy-app-xyzzy/service/http/incoming_webhook/systemHook`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'from-webhook' }),
      },
    )
    expect(hook.status).toBe(200)
    const skus = (await items.find({}, { sort: { sku: 1 } })).map((item) => item.sku)
    expect(skus).toEqual(['from-realm-web', 'from-webhook'])
  })

  it('an HTTPS endpoint takes a realm-web user’s access token, and reads their custom data', async () => {
    const app = createRealmWebApp(endpoints.url, 'endpoints-app-abcde')
    const user = await signUp(app, 'endpoint-user@example.com')
    const answer = await fetch(
      `${endpoints.url}/app/endpoints-app-abcde/endpoint/echo?via=realm-web`,
      {
        headers: { authorization: `Bearer ${user.accessToken ?? ''}` },
      },
    )
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ user: user.id, query: { via: 'realm-web' } })
    // Logged out, its token no longer opens the endpoint.
    const token = user.accessToken ?? ''
    await user.logOut()
    const after = await fetch(`${endpoints.url}/app/endpoints-app-abcde/endpoint/echo`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(after.status).toBe(401)
  })

  it('a provider whose secret is missing is disabled; the app’s other logins work', async () => {
    const app = createRealmWebApp(endpoints.url, 'endpoints-app-abcde')
    await expect(app.logIn(Realm.Credentials.jwt('a.b.c'))).rejects.toMatchObject({
      statusCode: 400,
      errorCode: 'AuthProviderNotFound',
    })
    const user = await app.logIn(Realm.Credentials.anonymous(false))
    expect(user.isLoggedIn).toBe(true)
    expect(endpoints.server.context.app.warnings.at(-1)).toContain(
      '2 secrets without a value: endpointsJwtKey (custom-token provider "custom-token" disabled); neverSetSecret',
    )
  })
})
