import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { pgliteTestStore } from '../testing/testStores'
import { createCapturingLogger, createInProcessServer, type InProcessServer } from '../testUtils'
import { corsHeaders } from './corsHeaders'
import { requestLog } from './requestLog'

// issue 19: hono's cors set its headers before the route ran, so Hono copied every route's
// response into a new one (about 10% of the main thread), and a log line per successful request
// at the default level cost about 10% of refresh throughput.
describe('the headers on the final response, and the request log', () => {
  const capture = createCapturingLogger('info')
  const app = new Hono()
  let answered: Response | undefined
  app.use('*', requestLog(capture.logger))
  app.use(
    '*',
    corsHeaders({
      origin: (origin) => (origin === 'https://app.example' ? origin : null),
      allowMethods: ['GET', 'POST'],
      exposeHeaders: ['X-Request-Id'],
      maxAge: 600,
    }),
  )
  app.get('/ok', (c) => (answered = c.json({ ok: true })))
  app.get('/missing', () => {
    throw new ServiceError(ErrorCode.InvalidSession, 'invalid session')
  })
  app.get('/broken', () => {
    throw new Error('boom')
  })
  app.onError((error, c) =>
    c.json({ error: error.message }, error instanceof ServiceError ? 401 : 500),
  )
  const get = (path: string) =>
    app.fetch(
      new Request(`http://localhost${path}`, { headers: { origin: 'https://app.example' } }),
    )

  it('answers the very response the route made, with the CORS headers and X-Request-Id on it', async () => {
    const response = await get('/ok')
    expect(response).toBe(answered)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('access-control-expose-headers')).toBe('X-Request-Id')
    expect(response.headers.get('vary')).toBe('Origin')
    expect(response.headers.get('x-request-id')).toMatch(/^[\w-]{36}$/)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('puts them on error answers too', async () => {
    for (const path of ['/missing', '/broken']) {
      const response = await get(path)
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
      expect(response.headers.get('x-request-id')).toEqual(expect.any(String))
    }
  })

  it('at info, logs failures (4xx at info, 5xx at error) and no line per successful request', async () => {
    capture.lines.length = 0
    await get('/ok')
    expect(capture.lines).toEqual([])
    await get('/missing')
    await get('/broken')
    expect(capture.lines.map((line) => [line.level, line.path, line.status])).toEqual([
      [30, '/missing', 401],
      [50, '/broken', 500],
    ])
  })
})

describe('the server answers a refresh with its route response, not a copy', () => {
  let s: InProcessServer
  beforeAll(async () => {
    s = await createInProcessServer(pgliteTestStore)
  })
  afterAll(() => s.close())

  it('keeps CORS and X-Request-Id on a real refresh, from an allowed origin', async () => {
    const login = await s.logInAnonymously()
    const answer = await s.request('POST', '/auth/session', {
      token: login.refresh_token,
      headers: { origin: 'https://anywhere.example', 'x-request-id': 'req-1' },
    })
    expect(answer.status).toBe(201)
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://anywhere.example')
    expect(answer.headers.get('x-request-id')).toBe('req-1')
  })
})
