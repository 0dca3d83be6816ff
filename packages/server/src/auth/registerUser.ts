import type { ProviderConfig } from '../appFolder/AppConfig'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { checkEmail, checkPassword } from './checkCredentialsInput'
import { startConfirmation } from './startConfirmation'
import { findAccount, insertPendingAccount } from './userpassAccounts'
import { confirmationMode, userpassConfig } from './userpassConfig'
import { issueUserpassToken } from './userpassTokens'

/**
 * `POST .../local-userpass/register`. With confirmation by email, registering an address that is
 * already taken answers exactly like a new registration (same status, same empty body, the same
 * password hashing): the owner gets a mail instead, so the answer does not reveal who has an
 * account (docs/reliability.md A2). With `autoConfirm` or a confirmation function the new account
 * would be usable at once, so a taken address is 409 `AccountNameInUse`, as App Services answered.
 */
export const registerUser = async (
  ctx: ServerContext,
  provider: ProviderConfig,
  input: { email: string; password: string },
): Promise<void> => {
  const email = checkEmail(input.email)
  const password = checkPassword(input.password, ctx.settings)
  const passwordHash = await ctx.passwords.hash(password)
  if (await insertPendingAccount(ctx.store, ctx.clock, { email, passwordHash })) {
    await startConfirmation(ctx, provider, { email, passwordHash })
    return
  }
  const config = userpassConfig(provider)
  if (confirmationMode(config) !== 'email') {
    throw new ServiceError(ErrorCode.AccountNameInUse, 'name already in use')
  }
  const account = await findAccount(ctx.store, email)
  if (account && account.user_id === null) {
    // Still pending: the owner may have lost the first mail, or someone else registered the
    // address first. The fresh link confirms this registration's password, never the pending one:
    // otherwise whoever registered first would own the account the mailbox owner confirms.
    await startConfirmation(ctx, provider, { email, passwordHash })
    return
  }
  // Spend what a confirmation token costs, then tell the owner rather than the caller.
  await issueUserpassToken(ctx.store, ctx.clock, {
    email,
    purpose: 'confirm',
    lifetimeSeconds: 0,
  })
  await ctx.mailer
    .send({
      to: email,
      subject: 'You already have an account',
      text: 'Someone tried to register again with this email address. If it was you, log in or reset your password.',
      kind: 'already-registered',
    })
    .catch((error: unknown) => ctx.logger.error({ err: error }, 'sending a notice mail failed'))
}
