import type { DatabaseTriggerConfig } from '../appFolder/TriggerConfig'
import { compileFilter } from '../collection/mingoQueries'
import { toQueryView } from '../collection/queryView'
import { decodeEjson } from '../ejson/ejsonCodec'
import type { ChangeEvent } from '../feed/ChangeEvent'
import { projectEvent } from './projectEvent'

/** What a database trigger does with each change event of its collection. */
export interface EventFilter {
  /** The trigger's `match` (a `$match` on the change event). */
  matches(event: ChangeEvent): boolean
  /** The trigger's `project` (a `$project` on the change event), or the event itself. */
  project(event: ChangeEvent): Record<string, unknown>
}

/**
 * Compiles a database trigger's `match` and `project` (EJSON in the file: `{"$oid": ...}` is an
 * ObjectId) once, with the collection API's own mingo settings.
 */
export const compileEventFilter = (trigger: DatabaseTriggerConfig): EventFilter => {
  const test = compileFilter(decodeEjson(trigger.match) as Record<string, unknown>)
  const project = trigger.project
  return {
    matches: (event) => test(toQueryView(event)),
    project: (event) =>
      project ? projectEvent(event, project) : (event as unknown as Record<string, unknown>),
  }
}
