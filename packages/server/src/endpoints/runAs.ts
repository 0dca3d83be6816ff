import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { FunctionUser } from '../functions/FunctionRunner'
import type { ServerContext } from '../ServerContext'
import { endpointUserOf } from './endpointUserOf'

/** Who a call runs as: the user (null: the system user), and whether rules are lifted. */
export interface RunAs {
  readonly user: FunctionUser | null
  readonly runAsSystem?: boolean
}

/** Which user to run as, named where (for messages), and whether to read their custom data. */
export interface FixedUser {
  readonly userId: string
  readonly where: string
  /** Default true; an endpoint's `fetch_custom_user_data` decides for its requests. */
  readonly fetchCustomData?: boolean
}

/** The user named by `run_as_user_id`, as `context.user`; 404 `UserNotFound` when they are not here. */
export const fixedUser = async (
  ctx: ServerContext,
  { userId, where, fetchCustomData = true }: FixedUser,
): Promise<RunAs> => {
  const user = await endpointUserOf(ctx, { userId, fetchCustomData })
  if (!user) {
    throw new ServiceError(
      ErrorCode.UserNotFound,
      `${where} runs as user "${userId}" (run_as_user_id), who does not exist or is disabled on this server`,
    )
  }
  return { user }
}

/**
 * The user a `run_as_user_id_script_source` names: it answers a user id, or
 * `{ runAsSystem: true }` for the system user (App Services' contract for these scripts).
 */
export const scriptUser = async (
  ctx: ServerContext,
  answer: unknown,
  target: Omit<FixedUser, 'userId'>,
): Promise<RunAs> => {
  if (
    typeof answer === 'object' &&
    answer !== null &&
    (answer as { runAsSystem?: unknown }).runAsSystem === true
  ) {
    return { user: null }
  }
  if (typeof answer !== 'string' || answer === '') {
    throw new ServiceError(
      ErrorCode.FunctionExecutionError,
      `${target.where}: run_as_user_id_script_source must return a user id or { runAsSystem: true }`,
    )
  }
  return fixedUser(ctx, { ...target, userId: answer })
}
