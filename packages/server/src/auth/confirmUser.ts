import type { ProviderConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { callStatusFunction } from './functionStatus'
import { confirmNow, startConfirmation } from './startConfirmation'
import { findAccount } from './userpassAccounts'
import { confirmationMode, userpassConfig } from './userpassConfig'
import { consumeUserpassToken, issueUserpassToken } from './userpassTokens'

export const invalidTokenError = (): ServiceError =>
  new ServiceError(ErrorCode.UserpassTokenInvalid, 'invalid token data')

/** `POST .../local-userpass/confirm` with the `token` and `tokenId` of a confirmation link. */
export const confirmUser = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  input: { token: string; tokenId: string },
): Promise<void> => {
  const used = await consumeUserpassToken(ctx.store, ctx.clock, { ...input, purpose: 'confirm' })
  if (!used) throw invalidTokenError()
  const account = await findAccount(ctx.store, used.email)
  if (account?.user_id) {
    throw new ServiceError(ErrorCode.UserAlreadyConfirmed, 'already confirmed')
  }
  await confirmNow(ctx, provider, used)
}

/**
 * `POST .../confirm/send`: a new confirmation mail for a pending account. It answers the same
 * for an unknown, pending or confirmed address, so it reveals none of them.
 */
export const resendConfirmation = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  email: string,
): Promise<void> => {
  const mode = confirmationMode(userpassConfig(provider))
  // App Services' text when every account is confirmed at registration (realm-web's integration
  // tests: "resend email confirmation").
  if (mode === 'auto') throw new ServiceError(ErrorCode.UserAlreadyConfirmed, 'already confirmed')
  if (mode !== 'email') {
    throw new ServiceError(
      ErrorCode.BadRequest,
      'this app confirms users through a function: call confirm/call instead',
    )
  }
  const account = await findAccount(ctx.store, email)
  if (account && account.user_id === null) await startConfirmation(ctx, provider, { email })
}

/** `POST .../confirm/call`: runs the confirmation function again for a pending account. */
export const retryConfirmationFunction = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  email: string,
): Promise<void> => {
  const config = userpassConfig(provider)
  const mode = confirmationMode(config)
  // App Services' text (realm-web's integration tests: "retry custom confirmation").
  if (mode === 'auto') {
    throw new ServiceError(
      ErrorCode.BadRequest,
      `cannot run confirmation for ${email}: automatic confirmation is enabled`,
    )
  }
  if (mode !== 'function') {
    throw new ServiceError(ErrorCode.BadRequest, 'this app has no confirmation function')
  }
  const account = await findAccount(ctx.store, email)
  if (!account || account.user_id !== null) return
  const token = await issueUserpassToken(ctx.store, ctx.clock, {
    email,
    purpose: 'confirm',
    lifetimeSeconds: ctx.settings.userpassTokenLifetime,
  })
  const status = await callStatusFunction(ctx, {
    name: config.confirmationFunctionName,
    args: [{ username: email, ...token }],
  })
  if (status === 'success') await confirmNow(ctx, provider, { email })
  if (status === 'fail') {
    throw new ServiceError(ErrorCode.BadRequest, 'the confirmation function refused this user')
  }
}
