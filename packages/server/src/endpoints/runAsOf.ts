import type { FunctionDefinition } from '../appFolder/AppConfig'
import { runAsScriptName } from '../appFolder/runAsScriptName'
import type { FunctionRequest, FunctionUser } from '../functions/FunctionRunner'
import type { ServerContext } from '../ServerContext'
import { fixedUser, scriptUser, type RunAs } from './runAs'

/**
 * Who a client's call of `definition` runs as (functions/config.json): the caller, unless the
 * function names a user (`run_as_user_id`) or a script that names one
 * (`run_as_user_id_script_source`, called with the call's arguments); `run_as_system` wins over
 * both and is applied by the runtime.
 */
export const runAsOf = async (
  ctx: ServerContext,
  definition: FunctionDefinition,
  call: {
    readonly user: FunctionUser
    readonly request: FunctionRequest
    readonly args?: readonly unknown[]
  },
): Promise<RunAs> => {
  if (definition.runAsSystem) return { user: call.user }
  const where = `function "${definition.name}"`
  if (definition.runAsUserId) return fixedUser(ctx, { userId: definition.runAsUserId, where })
  if (definition.runAsUserIdScriptSource) {
    const answer = await ctx.functions.call({
      name: runAsScriptName(definition.name),
      args: call.args ?? [],
      user: null,
      request: call.request,
    })
    return scriptUser(ctx, answer, { where })
  }
  return { user: call.user }
}
