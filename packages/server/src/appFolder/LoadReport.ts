import type { IgnoredFeature } from './AppConfig'
import { AppFolderError } from './readJsonFile'

/** What loading an app folder found to say about it, gathered as the parts load. */
export interface LoadReport {
  readonly warnings: string[]
  readonly ignored: IgnoredFeature[]
  /**
   * Problems that stop the start. Undefined (the server): the first one throws. An array (the
   * `check` command): each is kept, the part it was found in is left out, and loading goes on,
   * so one run names all of them.
   */
  readonly problems: string[] | undefined
}

/** A fresh report; `collect` keeps problems instead of throwing the first one. */
export const createLoadReport = (collect = false): LoadReport => ({
  warnings: [],
  ignored: [],
  problems: collect ? [] : undefined,
})

/**
 * Loads one independent part of the folder. Without problem collection it is just `load()`;
 * with it, an `AppFolderError` is recorded and `fallback` stands in for the part.
 */
export const loadPart = async <T>(
  report: LoadReport,
  load: () => T | Promise<T>,
  fallback: T,
): Promise<T> => {
  if (!report.problems) return load()
  try {
    return await load()
  } catch (error) {
    if (!(error instanceof AppFolderError)) throw error
    report.problems.push(error.message)
    return fallback
  }
}
