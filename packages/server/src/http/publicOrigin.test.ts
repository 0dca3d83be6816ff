import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/startTestServer'
import { basicAppDir } from '../testUtils'

const locate = async (server: TestServer, headers: Record<string, string> = {}) => {
  const response = await fetch(`${server.url}/api/client/v2.0/app/basic-app-abcde/location`, {
    headers,
  })
  return (await response.json()) as { hostname: string; ws_hostname: string }
}

const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'data.example.com' }

describe('location discovery behind a proxy', () => {
  let plain: TestServer
  let proxied: TestServer
  let configured: TestServer
  beforeAll(async () => {
    ;[plain, proxied, configured] = await Promise.all([
      startTestServer({ appDir: basicAppDir }),
      startTestServer({ appDir: basicAppDir, trustedProxies: ['127.0.0.1'] }),
      startTestServer({ appDir: basicAppDir, publicUrl: 'https://api.example.com/' }),
    ])
  })
  afterAll(() => Promise.all([plain.close(), proxied.close(), configured.close()]))

  it('answers its own origin, ignoring forwarded headers from an untrusted peer', async () => {
    expect(await locate(plain, FORWARDED)).toMatchObject({ hostname: plain.url })
  })

  it('answers the scheme and host a trusted proxy forwarded (a TLS proxy in front)', async () => {
    expect(await locate(proxied, FORWARDED)).toMatchObject({
      hostname: 'https://data.example.com',
      ws_hostname: 'wss://data.example.com',
    })
    expect(await locate(proxied)).toMatchObject({ hostname: proxied.url })
  })

  it('ignores a forwarded host that is not a host', async () => {
    const answer = await locate(proxied, { 'x-forwarded-host': 'evil.example.com/path?x' })
    expect(answer.hostname).toBe(proxied.url)
  })

  it('answers the configured public URL, whatever the request says', async () => {
    expect(await locate(configured, FORWARDED)).toMatchObject({
      hostname: 'https://api.example.com',
    })
  })
})
