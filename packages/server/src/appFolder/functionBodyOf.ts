import { type FunctionBody, toFunctionBody } from './functionImports'
import { checkSyntax } from './loadFunctions'

/**
 * A function's source outside `functions/` (a webhook's `source.js`, a
 * `run_as_user_id_script_source`) as the runtime compiles it, checked like the app's functions:
 * one that does not compile stops the start, naming where it is, instead of its first request.
 */
export const functionBodyOf = (source: string, where: string): FunctionBody => {
  const body = toFunctionBody(source, where)
  checkSyntax(body.code, where)
  return body
}
