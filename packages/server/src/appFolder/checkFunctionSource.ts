import { compileFunction } from 'node:vm'
import { AppFolderError } from './readJsonFile'

/**
 * Fails with the file and the line when a function's source does not compile, so a broken webhook
 * or `run_as_user_id_script_source` stops the start instead of its first request.
 */
export const checkFunctionSource = (source: string, where: string): void => {
  try {
    compileFunction(source, ['exports', 'module', 'context'], { filename: where })
  } catch (error) {
    const line = /:(\d+)\s*$/m.exec(String((error as Error).stack).split('\n')[0] ?? '')?.[1]
    throw new AppFolderError(
      `${where}${line ? `:${line}` : ''} does not compile: ${(error as Error).message}`,
    )
  }
}
