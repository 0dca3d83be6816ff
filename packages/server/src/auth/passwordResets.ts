import type { ProviderConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { clearLoginFailures } from './accountBackoff'
import { checkPassword } from './checkCredentialsInput'
import { invalidTokenError } from './confirmUser'
import { callStatusFunction } from './functionStatus'
import { revokeUserSessions } from './sessions'
import { linkWithToken } from './startConfirmation'
import { findAccount, setPasswordHash } from './userpassAccounts'
import { userpassConfig } from './userpassConfig'
import { consumeUserpassToken, issueUserpassToken } from './userpassTokens'

/** Sets a new password and ends every session of the user: whoever had the old one is out. */
const applyNewPassword = async (
  ctx: ServerContext,
  input: { email: string; userId: string | null; password: string },
): Promise<void> => {
  const hash = await ctx.passwords.hash(input.password)
  await ctx.store.transaction(async (tx) => {
    await setPasswordHash(tx, input.email, hash)
    if (input.userId) await revokeUserSessions(tx, ctx.clock, input.userId)
    // A new password starts with a clean slate (docs/reliability.md C7).
    await clearLoginFailures(tx, input.email)
  })
}

/**
 * `POST .../reset/send`: mails a reset link to a confirmed account. The answer is the same
 * whether or not the address has an account. With a reset function configured it is refused,
 * as App Services did (use `/reset/call`).
 */
export const sendResetEmail = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  email: string,
): Promise<void> => {
  const config = userpassConfig(provider)
  // App Services' text (realm-web's integration tests: "can request a password reset").
  if (config.runResetFunction) {
    throw new ServiceError(ErrorCode.BadRequest, 'please use reset password via function')
  }
  const account = await findAccount(ctx.store, email)
  if (!account?.user_id) return
  const token = await issueUserpassToken(ctx.store, ctx.clock, {
    email,
    purpose: 'reset',
    lifetimeSeconds: ctx.settings.userpassTokenLifetime,
  })
  const link = linkWithToken(config.resetPasswordUrl, token)
  await ctx.mailer
    .send({
      to: email,
      subject: config.resetPasswordSubject,
      text: `Reset your password: ${link}\n\nThe link is valid for ${Math.round(ctx.settings.userpassTokenLifetime / 60)} minutes. If you did not ask for it, ignore this mail.`,
      kind: 'reset',
      link,
    })
    .catch((error: unknown) => ctx.logger.error({ err: error }, 'sending a reset mail failed'))
}

/** `POST .../reset` with the `token`, `tokenId` of a reset link (or a pending reset function). */
export const resetPassword = async (
  ctx: ServerContext,
  input: { token: string; tokenId: string; password: string },
): Promise<void> => {
  const password = checkPassword(input.password, ctx.settings)
  const used = await consumeUserpassToken(ctx.store, ctx.clock, {
    token: input.token,
    tokenId: input.tokenId,
    purpose: 'reset',
  })
  if (!used) throw invalidTokenError()
  const { email } = used
  const account = await findAccount(ctx.store, email)
  if (!account) throw invalidTokenError()
  await applyNewPassword(ctx, { email, userId: account.user_id, password })
}

/**
 * `POST .../reset/call`: runs the reset function with
 * `({ username, password, token, tokenId, currentPasswordValid }, ...arguments)`. `success` sets the
 * password now; `pending` waits for `/reset` with the token the function was given; `fail` is an
 * error. Unknown addresses are answered like pending ones without running the function.
 */
export const callResetFunction = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  input: { email: string; password: string; args: readonly unknown[] },
): Promise<void> => {
  const config = userpassConfig(provider)
  if (!config.runResetFunction) {
    throw new ServiceError(ErrorCode.BadRequest, 'this app has no password reset function')
  }
  const password = checkPassword(input.password, ctx.settings)
  const account = await findAccount(ctx.store, input.email)
  if (!account?.user_id) {
    await ctx.passwords.verifyDummy(password)
    return
  }
  const current = await ctx.passwords.verify(account.password_hash, password)
  const token = await issueUserpassToken(ctx.store, ctx.clock, {
    email: input.email,
    purpose: 'reset',
    lifetimeSeconds: ctx.settings.userpassTokenLifetime,
  })
  const status = await callStatusFunction(ctx, {
    name: config.resetFunctionName,
    args: [
      { username: input.email, password, ...token, currentPasswordValid: current.valid },
      ...input.args,
    ],
  })
  // App Services' text (realm-web's integration tests at 2.0.1: "can reset a password via a
  // function"), the address in quotes.
  if (status === 'fail') {
    throw new ServiceError(
      ErrorCode.BadRequest,
      `failed to reset password for user "${input.email}"`,
    )
  }
  if (status === 'success') {
    await consumeUserpassToken(ctx.store, ctx.clock, { ...token, purpose: 'reset' })
    await applyNewPassword(ctx, { email: input.email, userId: account.user_id, password })
  }
}
