import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerContext } from '../ServerContext'
import { clearLoginFailures, reserveLoginAttempt } from './accountBackoff'
import { checkPassword, requireEmail, requireString } from './checkCredentialsInput'
import type { LoginSubject } from './LoginSubject'
import { findAccount, identityOfAccount, setPasswordHash } from './userpassAccounts'

// App Services' text for a refused login in realm-web 2.0.1's era: realm-js' integration tests
// expect "unauthorized" for a wrong password, an unknown address and a deleted user.
const invalidCredentials = (): ServiceError =>
  new ServiceError(ErrorCode.InvalidPassword, 'unauthorized')

/**
 * Checks `username` and `password` (docs/protocol.md §3.2). An unknown address and a wrong password get
 * the same answer after the same work (a dummy verification, docs/reliability.md A3); "not confirmed" is
 * said only once the password checked out (A4). A hash made with older parameters is replaced with
 * one at today's (A12). Failed logins pause the account, known or not, after ten (C6); a correct
 * password clears the count (C7).
 */
export const loginWithPassword = async (
  ctx: ServerContext,
  body: Record<string, unknown>,
): Promise<LoginSubject> => {
  const email = requireEmail(body, 'username')
  const password = checkPassword(requireString(body, 'password'), {
    ...ctx.settings,
    // Logins accept any length down to one character: the policy is for new passwords only.
    passwordMinLength: 1,
  })
  const backoff = ctx.accountBackoff
  // Counted as a failure until it succeeds: concurrent guesses cannot all pass the check.
  if (backoff) await reserveLoginAttempt(ctx.store, email, { clock: ctx.clock, rules: backoff })
  const account = await findAccount(ctx.store, email)
  if (!account) {
    await ctx.passwords.verifyDummy(password)
    throw invalidCredentials()
  }
  const check = await ctx.passwords.verify(account.password_hash, password)
  if (!check.valid) throw invalidCredentials()
  if (backoff) await clearLoginFailures(ctx.store, email)
  if (account.user_id === null) {
    throw new ServiceError(ErrorCode.UserNotConfirmed, 'confirmation required')
  }
  if (check.needsRehash) {
    await setPasswordHash(ctx.store, email, await ctx.passwords.hash(password))
  }
  return {
    userId: account.user_id,
    identityId: await identityOfAccount(ctx.store, email),
    created: false,
  }
}
