import { createHmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { testStores } from '../testing/testStores'

// An export in the older format: root_config.json without app_id (the client App ID is in
// .mdb/meta.json), HTTPS endpoints in http_endpoints/config.json, and legacy incoming webhooks
// of an HTTP service (mongodb/docs-app-services: source/reference/config/v20210101/http_endpoints.txt,
// source/services/configure/service-webhooks.txt, source/services/webhook-requests-and-responses.txt).
const legacyAppDir = fileURLToPath(new URL('../../fixtures/legacy-app', import.meta.url))
const APP = 'legacy-app-xyzzy'

describe.each(testStores())(
  'the older export format and incoming webhooks on $kind',
  (storeKind) => {
    let server: TestServer
    const hook = (name: string, query = '') =>
      `${server.url}/api/client/v2.0/app/${APP}/service/http/incoming_webhook/${name}${query}`

    beforeAll(async () => {
      server = await startTestServer({ appDir: legacyAppDir, storeKind })
    })
    afterAll(() => server.close())

    it('answers to the client App ID of .mdb/meta.json, and to the app name as before', async () => {
      expect(server.server.context.app.appId).toBe(APP)
      const hello = await fetch(`${server.url}/app/${APP}/endpoint/hello?name=ada`)
      expect(hello.status).toBe(200)
      expect(await hello.json()).toEqual({ hello: 'ada', app: APP })
      const byName = await fetch(`${server.url}/app/legacy-app/endpoint/hello`)
      expect(byName.status).toBe(200)
      const location = await fetch(`${server.url}/api/client/v2.0/app/legacy-app/location`)
      expect(location.status).toBe(200)
    })

    it('serves an HTTP service webhook at App Services’ path, as the system user, with { query, headers, body }', async () => {
      const answer = await fetch(`${hook('systemHook')}?page=2`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'a-1', qty: { $numberInt: '3' } }),
      })
      expect(answer.status).toBe(200)
      // A webhook's return value is answered as EJSON.
      expect(await answer.json()).toEqual({
        method: 'PUT',
        query: { page: '2' },
        body: { sku: 'a-1', qty: { $numberInt: '3' } },
        system: true,
        // It wrote through a data source of type "mongodb", served like mongodb-atlas.
        count: { $numberInt: '1' },
      })
    })

    it('runs run_as_authed_user webhooks as the user whose credentials come in the headers or the body', async () => {
      const email = 'hook@example.com'
      const password = 'a long enough password'
      const api = `${server.url}/api/client/v2.0/app/${APP}/auth/providers/local-userpass`
      await fetch(`${api}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
      const login = (await (
        await fetch(`${api}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: email, password }),
        })
      ).json()) as { user_id: string }
      const inHeaders = await fetch(hook('authedHook'), {
        method: 'POST',
        headers: { email, password },
      })
      expect(await inHeaders.json()).toEqual({ user: login.user_id, system: false })
      const inBody = await fetch(hook('authedHook'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
      expect(await inBody.json()).toEqual({ user: login.user_id, system: false })
      // Both places at once: refused, as App Services did.
      const both = await fetch(hook('authedHook'), {
        method: 'POST',
        headers: { email, password, 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
      expect(both.status).toBe(400)
      expect((await fetch(hook('authedHook'), { method: 'POST' })).status).toBe(401)
    })

    it('validates a webhook’s secret query parameter and its X-Hook-Signature', async () => {
      expect(
        (await fetch(hook('secretHook', '?secret=s3cret-value&x=1'), { method: 'POST' })).status,
      ).toBe(200)
      expect((await fetch(hook('secretHook', '?secret=nope'), { method: 'POST' })).status).toBe(401)
      const body = JSON.stringify({ someField: 'x' })
      const signature = createHmac('sha256', 'hook-signing-secret').update(body).digest('hex')
      const signed = await fetch(hook('signedHook'), {
        method: 'POST',
        headers: { 'X-Hook-Signature': `sha256=${signature}` },
        body,
      })
      // The response object wins: its status and body; the return value is dropped.
      expect(signed.status).toBe(200)
      expect(await signed.text()).toBe('Successfully saved "someField": x.')
      const refused = await fetch(hook('signedHook'), {
        method: 'POST',
        headers: { 'X-Hook-Signature': `sha256=${'0'.repeat(64)}` },
        body,
      })
      expect(refused.status).toBe(401)
      const empty = JSON.stringify({})
      const badRequest = await fetch(hook('signedHook'), {
        method: 'POST',
        headers: {
          'X-Hook-Signature': `sha256=${createHmac('sha256', 'hook-signing-secret').update(empty).digest('hex')}`,
        },
        body: empty,
      })
      expect(badRequest.status).toBe(400)
    })

    it('runs script webhooks as the user their script names, or as system', async () => {
      const system = await fetch(hook('scriptHook'))
      expect(await system.json()).toEqual({ user: '', system: true })
      const unknown = await fetch(hook('scriptHook', '?as=65f0000000000000000000cc'))
      expect(unknown.status).toBe(404)
    })

    it('keeps to a webhook’s method, answers 204 without respond_result, and leaves out other services’ webhooks', async () => {
      expect((await fetch(hook('getOnly'))).status).toBe(204)
      const post = await fetch(hook('getOnly'), { method: 'POST' })
      expect(post.status).toBe(405)
      expect(post.headers.get('allow')).toBe('GET')
      const github = await fetch(
        `${server.url}/api/client/v2.0/app/${APP}/service/github/incoming_webhook/onPush`,
        { method: 'POST' },
      )
      expect(github.status).toBe(404)
      expect(server.server.context.app.ignored).toContainEqual(
        expect.objectContaining({ feature: 'webhooks of third-party services', count: 1 }),
      )
    })
  },
)
