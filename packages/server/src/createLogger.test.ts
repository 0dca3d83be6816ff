import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from './createLogger'
import { pgliteTestStore } from './testing/testStores'
import {
  authAppDir,
  createCapturingMailer,
  createInProcessServer,
  tokenOfLink,
  type InProcessServer,
} from './testUtils'

/** A destination that keeps every line the logger writes. */
const capture = () => {
  const lines: string[] = []
  return { lines, write: (line: string) => void lines.push(line) }
}

describe('logs', () => {
  const sink = capture()
  const mailer = createCapturingMailer()
  let s: InProcessServer
  beforeAll(async () => {
    s = await createInProcessServer(pgliteTestStore, {
      appDir: authAppDir,
      logger: createLogger('debug', sink),
      mailer,
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
    })
  })
  afterAll(() => s.close())

  it('redact secrets a handler might log by mistake', () => {
    const sink = capture()
    createLogger('info', sink).info(
      {
        password: 'p-top',
        token: 't-top',
        user: { password: 'p-nested', refresh_token: 'r-nested', access_token: 'a-nested' },
        apiKey: { key: 'k-nested', secret: 's-nested' },
      },
      'oops',
    )
    const text = sink.lines.join('')
    for (const secret of ['p-top', 't-top', 'p-nested', 'r-nested', 'a-nested', 'k-nested']) {
      expect(text).not.toContain(secret)
    }
    expect(text).not.toContain('s-nested')
    expect(text).toContain('[redacted]')
  })

  it('never carry a password, a token or an API key through a whole account’s life', async () => {
    const email = 'logged@example.com'
    const password = 'a password nobody may log'
    await s.provider('local-userpass', 'register', { email, password })
    await s.provider('local-userpass', 'confirm', tokenOfLink(mailer.sent.at(-1)?.link))
    const login = (await s.provider('local-userpass', 'login', { username: email, password }))
      .body as { access_token: string; refresh_token: string }
    const refreshed = await s.request('POST', '/auth/session', { token: login.refresh_token })
    const key = (
      await s.request('POST', '/auth/api_keys', {
        token: login.refresh_token,
        body: { name: 'logged' },
      })
    ).body as { key: string }
    await s.provider('api-key', 'login', { key: key.key })
    await s.provider('local-userpass', 'login', { username: email, password: `${password}!` })
    await s.request('GET', '/auth/profile?access_token=in-a-query-string', {
      token: login.access_token,
    })
    await s.request('DELETE', '/auth/session', { token: login.refresh_token })

    const text = sink.lines.join('')
    expect(sink.lines.length).toBeGreaterThan(8)
    const secrets = [
      password,
      login.access_token,
      login.refresh_token,
      (refreshed.body as { access_token: string }).access_token,
      key.key,
      'in-a-query-string',
    ]
    for (const secret of secrets) expect(text).not.toContain(secret)
  })
})
