import { Hono, type Context } from 'hono'
import type { ProviderConfig } from '../appFolder/AppConfig'
import { requireEmail, requireString } from '../auth/checkCredentialsInput'
import { confirmUser, resendConfirmation, retryConfirmationFunction } from '../auth/confirmUser'
import { callResetFunction, resetPassword, sendResetEmail } from '../auth/passwordResets'
import { registerUser } from '../auth/registerUser'
import { enforceRateLimit } from '../http/enforceRateLimit'
import { readEjsonObject } from '../http/readEjsonBody'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { providerNotFound } from './loginRoutes'

const BASE = '/app/:appId/auth/providers/:provider'

/**
 * The email/password routes (docs/protocol.md §4). They ignore any Authorization header: realm-web
 * sends the current user's access token, and a 401 here would make it refresh and retry.
 * Success answers are `201` with no body, which realm-web reads as `null`.
 */
export const userpassRoutes = (ctx: ServerContext): Hono => {
  const providerOf = (c: Context): ProviderConfig => {
    const name = c.req.param('provider') ?? ''
    const provider = ctx.app.providers[name]
    if (!provider || provider.disabled || provider.type !== 'local-userpass') {
      throw providerNotFound(name)
    }
    return provider
  }
  const read = (c: Context) => readEjsonObject(c, ctx.settings.maxBodyBytes)
  const done = (c: Context) => c.body(null, 201)

  return new Hono()
    .post(`${BASE}/register`, async (c) => {
      const provider = providerOf(c)
      enforceRateLimit(ctx, c, 'register')
      const body = await read(c)
      await registerUser(ctx, provider, {
        email: requireEmail(body, 'email'),
        password: requireString(body, 'password'),
      })
      return done(c)
    })
    .post(`${BASE}/confirm`, async (c) => {
      const provider = providerOf(c)
      const body = await read(c)
      await confirmUser(ctx, provider, {
        token: requireString(body, 'token'),
        tokenId: requireString(body, 'tokenId'),
      })
      return done(c)
    })
    .post(`${BASE}/confirm/send`, async (c) => {
      const provider = providerOf(c)
      enforceRateLimit(ctx, c, 'register')
      await resendConfirmation(ctx, provider, requireEmail(await read(c), 'email'))
      return done(c)
    })
    .post(`${BASE}/confirm/call`, async (c) => {
      const provider = providerOf(c)
      enforceRateLimit(ctx, c, 'register')
      await retryConfirmationFunction(ctx, provider, requireEmail(await read(c), 'email'))
      return done(c)
    })
    .post(`${BASE}/reset/send`, async (c) => {
      const provider = providerOf(c)
      enforceRateLimit(ctx, c, 'register')
      await sendResetEmail(ctx, provider, requireEmail(await read(c), 'email'))
      return done(c)
    })
    .post(`${BASE}/reset`, async (c) => {
      providerOf(c)
      const body = await read(c)
      await resetPassword(ctx, {
        token: requireString(body, 'token'),
        tokenId: requireString(body, 'tokenId'),
        password: requireString(body, 'password'),
      })
      return done(c)
    })
    .post(`${BASE}/reset/call`, async (c) => {
      const provider = providerOf(c)
      enforceRateLimit(ctx, c, 'register')
      const body = await read(c)
      const args = body.arguments ?? []
      if (!Array.isArray(args)) {
        throw new ServiceError(ErrorCode.InvalidParameter, '"arguments" must be an array')
      }
      await callResetFunction(ctx, provider, {
        email: requireEmail(body, 'email'),
        password: requireString(body, 'password'),
        args,
      })
      return done(c)
    })
}
