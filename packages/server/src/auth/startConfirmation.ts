import type { ProviderConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { callStatusFunction } from './functionStatus'
import { onUserCreated } from './onUserCreated'
import { confirmAccount, deleteAccount } from './userpassAccounts'
import { confirmationMode, userpassConfig } from './userpassConfig'
import { issueUserpassToken } from './userpassTokens'

/** A URL with `token` and `tokenId` appended, as App Services' confirmation and reset links. */
export const linkWithToken = (url: string, token: { token: string; tokenId: string }): string => {
  const query = `token=${encodeURIComponent(token.token)}&tokenId=${encodeURIComponent(token.tokenId)}`
  return url === '' ? `?${query}` : `${url}${url.includes('?') ? '&' : '?'}${query}`
}

/** A pending account to confirm, and the password of the registration that confirms it. */
export interface PendingRegistration {
  readonly email: string
  /**
   * The password hash registered with this confirmation: it becomes the account's password (the
   * link confirms that password and no other). Absent or null: the pending account's own.
   */
  readonly passwordHash?: string | null
}

/** Confirms a pending account now and runs the user creation function. */
export const confirmNow = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  { email, passwordHash }: PendingRegistration,
): Promise<void> => {
  const created = await confirmAccount(ctx.store, ctx.clock, {
    email,
    providerName: provider.name,
    passwordHash: passwordHash ?? null,
  })
  if (created) await onUserCreated(ctx, created.userId)
}

/**
 * Moves a pending account towards confirmation the way the provider is configured: at once
 * (`autoConfirm`), through the confirmation function (`runConfirmationFunction`: success confirms,
 * pending waits for `/confirm`, fail drops the pending account), or by mailing a link. A
 * registration's password travels with its link, so that whoever registered the address first
 * cannot have the mailbox's owner confirm their password; a resent link has none.
 */
export const startConfirmation = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  registration: PendingRegistration,
): Promise<void> => {
  const { email, passwordHash } = registration
  const config = userpassConfig(provider)
  const mode = confirmationMode(config)
  if (mode === 'auto') return confirmNow(ctx, provider, registration)
  const token = await issueUserpassToken(ctx.store, ctx.clock, {
    email,
    purpose: 'confirm',
    lifetimeSeconds: ctx.settings.userpassTokenLifetime,
    ...(typeof passwordHash === 'string' ? { passwordHash } : {}),
  })
  if (mode === 'function') {
    const status = await callStatusFunction(ctx, {
      name: config.confirmationFunctionName,
      args: [{ username: email, ...token }],
    })
    if (status === 'success') return confirmNow(ctx, provider, registration)
    if (status === 'fail') {
      await deleteAccount(ctx.store, email)
      throw new ServiceError(ErrorCode.BadRequest, 'the confirmation function refused this user')
    }
    return
  }
  const link = linkWithToken(config.emailConfirmationUrl, token)
  await ctx.mailer
    .send({
      to: email,
      subject: config.confirmEmailSubject,
      text: `Confirm your email address: ${link}\n\nThe link is valid for ${Math.round(ctx.settings.userpassTokenLifetime / 60)} minutes.`,
      kind: 'confirm',
      link,
    })
    .catch((error: unknown) =>
      ctx.logger.error({ err: error }, 'sending a confirmation mail failed'),
    )
}
