import type { ServerContext } from '../ServerContext'
import { readProfile } from './users'

/**
 * Runs `on_user_creation_function_name` (auth/custom_user_data.json) for a user just created, as
 * the system user, with the new user as its argument, as App Services did; it typically inserts
 * the user's custom-data document. A failure is logged and does not undo the login: the user
 * exists either way, and the app sees empty custom data until it writes some.
 */
export const onUserCreated = async (ctx: ServerContext, userId: string): Promise<void> => {
  const name = ctx.app.customUserData?.onUserCreationFunctionName
  if (!name) return
  const profile = await readProfile(ctx.store, userId, ctx.app.appId)
  if (!profile) return
  const user = {
    id: userId,
    type: profile.type,
    data: profile.data,
    custom_data: {},
    identities: profile.identities.map(({ id, provider_type }) => ({ id, provider_type })),
  }
  try {
    await ctx.functions.call({ name, args: [user], user: null })
  } catch (error) {
    ctx.logger.error(
      { err: error, function: name, userId },
      'the user creation function failed; the user was created without it',
    )
  }
}
