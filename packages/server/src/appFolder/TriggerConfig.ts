import type { JsonObject } from './jsonFields'

/** The database operations a DATABASE trigger can listen for, in App Services' spelling. */
export type DatabaseOperation = 'INSERT' | 'UPDATE' | 'REPLACE' | 'DELETE'

/** The user events an AUTHENTICATION trigger can listen for. */
export type AuthOperation = 'CREATE' | 'LOGIN' | 'DELETE'

/** What every trigger has, whatever its type. */
export interface TriggerBase {
  /** The trigger's `name` (at most 64 ASCII letters, digits, `_` and `-`). */
  readonly name: string
  /** The function it runs, as the system user, with the event as its only argument. */
  readonly functionName: string
  /** `disabled: true`: loaded, never fires. */
  readonly disabled: boolean
  /** The file it came from, for messages. */
  readonly where: string
}

/** `type: "DATABASE"`: runs for each matching change of one collection (the change feed). */
export interface DatabaseTriggerConfig extends TriggerBase {
  readonly type: 'DATABASE'
  readonly serviceName: string
  readonly database: string
  readonly collection: string
  readonly operationTypes: readonly DatabaseOperation[]
  /** `$match` on the change event; empty for every event. */
  readonly match: JsonObject
  /** `$project` on the change event; null for the whole event. */
  readonly project: JsonObject | null
  /** `fullDocument` on update events too. */
  readonly fullDocument: boolean
  /** `fullDocumentBeforeChange` on update, replace and delete events. */
  readonly fullDocumentBeforeChange: boolean
  /** Events run concurrently; default false: one at a time, in commit order. */
  readonly unordered: boolean
  /** Start from now at each server start: events written while no server ran are passed over. */
  readonly skipCatchupEvents: boolean
}

/** `type: "AUTHENTICATION"`: runs when a user is created, logs in or is deleted. */
export interface AuthTriggerConfig extends TriggerBase {
  readonly type: 'AUTHENTICATION'
  readonly operationType: AuthOperation
  /** Provider types (`local-userpass`, `anon-user`...) whose events it runs for. */
  readonly providers: readonly string[]
}

/** `type: "SCHEDULED"`: runs at each tick of a cron schedule. */
export interface ScheduledTriggerConfig extends TriggerBase {
  readonly type: 'SCHEDULED'
  /** Five-field cron, as App Services wrote it (UTC). */
  readonly schedule: string
  /** Ticks missed while no server ran are not run. */
  readonly skipCatchupEvents: boolean
}

/** One `triggers/<name>.json`. */
export type TriggerConfig = DatabaseTriggerConfig | AuthTriggerConfig | ScheduledTriggerConfig
