import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A Facebook user the stand-in knows, by the access token it issued for them. */
export interface GraphUser {
  readonly id: string
  /** The Facebook app the token was issued to. */
  readonly appId: string
  readonly fields: Readonly<Record<string, unknown>>
}

/**
 * A stand-in for Facebook's Graph API on a real port of 127.0.0.1, for tests: Graph cannot be
 * reached from the test machine, so this plays the two calls the server makes, as Graph documents
 * them, fault-free: `GET /debug_token` (with the app token `appId|appSecret`) and `GET /me` (with
 * `appsecret_proof`, refused when it is not the HMAC of the token under the app's secret).
 */
export const startTestGraphApi = async (app: {
  readonly appId: string
  readonly appSecret: string
  readonly users: Readonly<Record<string, GraphUser>>
}): Promise<{ url: string; close(): Promise<void> }> => {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://graph')
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    const graphError = (message: string) =>
      send(400, { error: { message, type: 'OAuthException', code: 190 } })
    const token =
      url.searchParams.get(url.pathname === '/debug_token' ? 'input_token' : 'access_token') ?? ''
    const user = app.users[token]
    if (url.pathname === '/debug_token') {
      if (url.searchParams.get('access_token') !== `${app.appId}|${app.appSecret}`) {
        return graphError('Invalid OAuth access token signature.')
      }
      return send(200, {
        data: user
          ? { app_id: user.appId, is_valid: true, user_id: user.id, type: 'USER' }
          : { is_valid: false, error: { message: 'Invalid OAuth access token.' } },
      })
    }
    if (url.pathname === '/me') {
      if (!user) return graphError('Invalid OAuth access token.')
      const proof = createHmac('sha256', app.appSecret).update(token).digest('hex')
      if (url.searchParams.get('appsecret_proof') !== proof) {
        return graphError('Invalid appsecret_proof provided in the API argument')
      }
      const wanted = (url.searchParams.get('fields') ?? 'id,name').split(',')
      const fields: Record<string, unknown> = { id: user.id, ...user.fields }
      return send(
        200,
        Object.fromEntries(
          wanted.filter((name) => name in fields).map((name) => [name, fields[name]]),
        ),
      )
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
