import type { ServerContext } from '../ServerContext'
import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** What a confirmation or reset function decided (docs/protocol.md §4). */
export type FunctionStatus = 'success' | 'pending' | 'fail'

/**
 * Runs a local-userpass confirmation or reset function as the system user and reads its
 * `{ status }`. A function that throws or answers something else is a 400 carrying its message;
 * the caller's account is left as it was.
 */
export const callStatusFunction = async (
  ctx: ServerContext,
  call: { name: string; args: readonly unknown[] },
): Promise<FunctionStatus> => {
  let result: unknown
  try {
    result = await ctx.functions.call({ name: call.name, args: call.args, user: null })
  } catch (error) {
    const message =
      typeof error === 'object' && error !== null && 'message' in error
        ? String(error.message)
        : String(error)
    throw new ServiceError(ErrorCode.FunctionExecutionError, message)
  }
  const status = (result as { status?: unknown } | null)?.status
  if (status === 'success' || status === 'pending' || status === 'fail') return status
  throw new ServiceError(
    ErrorCode.FunctionExecutionError,
    `function ${call.name} must return { status: "success" | "pending" | "fail" }`,
  )
}
