import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgliteTestStore } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'

// context.http as App Services' docs define it ("context.http", and the HTTP service's
// http.get/post/... pages: argument and response shapes), against a server of the test's own on
// 127.0.0.1, never the internet. It does not touch the store: PGlite only.

const runtimeAppDir = fileURLToPath(new URL('../../fixtures/runtime-app', import.meta.url))

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

/** A local HTTP server that answers by path and remembers what it was sent. */
const startLocalServer = async () => {
  const seen: Seen[] = []
  const open = new Set<Socket>()
  let closedHanging = 0
  let hanging = 0
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      })
      const path = new URL(request.url ?? '/', 'http://x').pathname
      if (path === '/hang') {
        hanging += 1
        request.socket.on('close', () => (closedHanging += 1))
        return
      }
      if (path === '/hang-count') {
        response.end(String(hanging))
        return
      }
      if (path === '/redirect') {
        response.writeHead(302, { location: '/echo?redirected=1' }).end()
        return
      }
      if (path === '/login') {
        response.setHeader('set-cookie', ['session=s-42; Path=/; HttpOnly'])
        response.end('logged in')
        return
      }
      if (path === '/missing') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing')
        return
      }
      response.setHeader('content-type', 'application/json')
      response.setHeader('x-multi', ['one', 'two'])
      response.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
      response.end(JSON.stringify({ method: request.method, url: request.url, body }))
    })
  })
  server.on('connection', (socket) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    closedHanging: () => closedHanging,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('context.http', () => {
  let s: InProcessServer
  let local: Awaited<ReturnType<typeof startLocalServer>>
  let token: string
  beforeAll(async () => {
    local = await startLocalServer()
    s = await createInProcessServer(pgliteTestStore, {
      appDir: runtimeAppDir,
      functionLimits: { timeLimitMs: 2000 },
    })
    token = (await s.logInAnonymously()).access_token
  })
  afterAll(async () => {
    await s.close()
    await local.close()
  })

  const call = (name: string, args: unknown[]) =>
    s.request('POST', `/app/${s.appId}/functions/call`, { token, body: { name, arguments: args } })
  const http = async (method: string, request: Record<string, unknown>) => {
    const answer = await call('httpCall', [method, request])
    expect(answer.status).toBe(200)
    return answer.body as Record<string, unknown>
  }
  const last = () => local.seen[local.seen.length - 1] as Seen

  it.each(['get', 'post', 'put', 'patch', 'delete', 'head'])(
    '%s: sends the method, and answers status, statusCode, headers, cookies and a BSON.Binary body',
    async (method) => {
      const response = await http(method, { url: `${local.url}/echo` })
      expect(last().method).toBe(method.toUpperCase())
      expect(response).toMatchObject({
        status: '200 OK',
        statusCode: { $numberInt: '200' },
        bodyIsBinary: true,
        cookies: { a: '1', b: '2' },
      })
      // Header names as Go (App Services) spelled them, each with an array of values.
      expect(response.headers).toMatchObject({
        'Content-Type': ['application/json'],
        'X-Multi': ['one, two'],
        'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/'],
      })
      // A HEAD answer has no body.
      const text = method === 'head' ? '{}' : (response.text as string)
      expect(response.text).toBe(method === 'head' ? '' : text)
      expect(JSON.parse(text)).toEqual(
        method === 'head' ? {} : { method: method.toUpperCase(), url: '/echo', body: '' },
      )
    },
  )

  it('sends headers with array values, a JSON body with encodeBodyAsJSON, and a string body as it is', async () => {
    await http('post', {
      url: `${local.url}/echo`,
      headers: { 'X-Tags': ['a', 'b'], Authorization: ['Bearer t-1'] },
      body: { msg: 'hi', n: 1 },
      encodeBodyAsJSON: true,
    })
    expect(last().headers).toMatchObject({
      'x-tags': 'a, b',
      authorization: 'Bearer t-1',
      'content-type': 'application/json',
    })
    expect(JSON.parse(last().body)).toEqual({ msg: 'hi', n: 1 })
    await http('put', {
      url: `${local.url}/echo`,
      headers: { 'Content-Type': ['text/plain'] },
      body: 'plain text',
    })
    expect(last()).toMatchObject({ body: 'plain text', headers: { 'content-type': 'text/plain' } })
  })

  it('builds the URL from scheme, host, path and query (arrays of values), and sends basic credentials', async () => {
    await http('get', {
      scheme: 'http',
      host: `127.0.0.1:${local.port}`,
      path: '/echo',
      query: { id: ['8675309'], color: ['red', 'blue'] },
      username: 'MyUser',
      password: 'Mypassw0rd',
    })
    expect(last().url).toBe('/echo?id=8675309&color=red&color=blue')
    expect(last().headers.authorization).toBe(
      `Basic ${Buffer.from('MyUser:Mypassw0rd').toString('base64')}`,
    )
    await http('get', { url: `http://u:p@127.0.0.1:${local.port}/echo` })
    expect(last().headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
  })

  it('sends cookies, and those an authUrl sets', async () => {
    await http('get', {
      url: `${local.url}/echo`,
      cookies: { favoriteTeam: 'Chicago Cubs' },
      authUrl: `${local.url}/login`,
    })
    expect(last().headers.cookie).toBe('favoriteTeam=Chicago Cubs; session=s-42')
  })

  it('answers a redirect unless followRedirects, and a 404 as a response, not an error', async () => {
    const redirect = await http('get', { url: `${local.url}/redirect` })
    expect(redirect).toMatchObject({
      statusCode: { $numberInt: '302' },
      headers: { Location: ['/echo?redirected=1'] },
    })
    const followed = await http('get', { url: `${local.url}/redirect`, followRedirects: true })
    expect(followed).toMatchObject({ statusCode: { $numberInt: '200' } })
    expect(last().url).toBe('/echo?redirected=1')
    const missing = await http('get', { url: `${local.url}/missing` })
    expect(missing).toMatchObject({
      status: '404 Not Found',
      statusCode: { $numberInt: '404' },
      text: 'no such thing',
    })
  })

  it('a network error is an Error the function can catch, naming the request', async () => {
    const closed = await startLocalServer()
    await closed.close()
    const answer = await call('httpFailure', [`${closed.url}/x`])
    expect(answer.body).toEqual(
      expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/x failed: .*ECONNREFUSED/),
    )
  })

  it('a request without a URL is a 400 saying what is missing', async () => {
    const answer = await call('httpCall', ['get', { headers: {} }])
    expect(answer).toMatchObject({
      status: 400,
      body: {
        error_code: 'FunctionExecutionError',
        error: 'context.http.get needs a "url", or a "host" (with "scheme", "path", "query")',
      },
    })
  })

  it('a server that never answers: the call ends at the time limit (504) and the connection closes', async () => {
    const before = local.closedHanging()
    const answer = await call('httpCall', ['get', { url: `${local.url}/hang` }])
    expect(answer).toMatchObject({
      status: 504,
      body: { error_code: 'ExecutionTimeLimitExceeded' },
    })
    await expect.poll(() => local.closedHanging()).toBeGreaterThan(before)
  })

  it('a request the function left running is aborted when its call ends', async () => {
    const before = local.closedHanging()
    const answer = await call('httpLeftOpen', [local.url])
    expect(answer.body).toBe('returned')
    await expect.poll(() => local.closedHanging()).toBeGreaterThan(before)
  })
})
