import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { FunctionDefinition } from './AppConfig'
import { expectObject, isObject, optionalString, type JsonObject } from './jsonFields'
import { AppFolderError, readJsonFile } from './readJsonFile'
import { projectionProblem } from '../triggers/projectEvent'
import type {
  AuthOperation,
  AuthTriggerConfig,
  DatabaseOperation,
  DatabaseTriggerConfig,
  ScheduledTriggerConfig,
  TriggerBase,
  TriggerConfig,
} from './TriggerConfig'

const NAME = /^[A-Za-z0-9_-]{1,64}$/
const DATABASE_OPERATIONS = new Set(['INSERT', 'UPDATE', 'REPLACE', 'DELETE'])
const AUTH_OPERATIONS = new Set(['CREATE', 'LOGIN', 'DELETE'])

const flag = (object: JsonObject, key: string, where: string): boolean => {
  const value = object[key]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean')
    throw new AppFolderError(`${where}: "${key}" must be true or false.`)
  return value
}

const requiredString = (object: JsonObject, key: string, where: string): string => {
  const value = optionalString(object, key, where)
  if (!value) throw new AppFolderError(`${where}: "${key}" is required.`)
  return value
}

const stringList = (object: JsonObject, key: string, where: string): string[] => {
  const value = object[key]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new AppFolderError(`${where}: "${key}" must be an array of strings.`)
  }
  return value
}

const optionalObject = (object: JsonObject, key: string, where: string): JsonObject | null => {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (!isObject(value)) throw new AppFolderError(`${where}: "${key}" must be an object.`)
  return value
}

/**
 * The function a trigger runs: `event_processors.FUNCTION.config.function_name` (exports since
 * 2021), else the older top-level `function_name`. AWS EventBridge processors are refused.
 */
const functionNameOf = (raw: JsonObject, where: string): string => {
  const processors = optionalObject(raw, 'event_processors', where)
  if (processors) {
    const fn = optionalObject(processors, 'FUNCTION', `${where} event_processors`)
    if (!fn) {
      throw new AppFolderError(
        `${where}: only the FUNCTION event processor is supported (found ${Object.keys(processors).join(', ')}).`,
      )
    }
    const config = optionalObject(fn, 'config', `${where} event_processors.FUNCTION`) ?? {}
    return requiredString(config, 'function_name', `${where} event_processors.FUNCTION.config`)
  }
  return requiredString(raw, 'function_name', where)
}

const databaseTrigger = (base: TriggerBase, config: JsonObject): DatabaseTriggerConfig => {
  const { where } = base
  const operationTypes = stringList(config, 'operation_types', where).map((op) => op.toUpperCase())
  if (operationTypes.length === 0) {
    throw new AppFolderError(`${where}: "config.operation_types" must name at least one operation.`)
  }
  for (const op of operationTypes) {
    if (!DATABASE_OPERATIONS.has(op)) {
      throw new AppFolderError(
        `${where}: operation type "${op}" is not one of INSERT, UPDATE, REPLACE, DELETE.`,
      )
    }
  }
  return {
    ...base,
    type: 'DATABASE',
    serviceName: optionalString(config, 'service_name', where) ?? 'mongodb-atlas',
    database: requiredString(config, 'database', where),
    collection: requiredString(config, 'collection', where),
    operationTypes: operationTypes as DatabaseOperation[],
    match: optionalObject(config, 'match', where) ?? {},
    project: (() => {
      const project = optionalObject(config, 'project', where)
      const problem = project && projectionProblem(project)
      if (problem) throw new AppFolderError(`${where}: ${problem}.`)
      return project && Object.keys(project).length > 0 ? project : null
    })(),
    fullDocument: flag(config, 'full_document', where),
    fullDocumentBeforeChange: flag(config, 'full_document_before_change', where),
    unordered: flag(config, 'unordered', where),
    skipCatchupEvents: flag(config, 'skip_catchup_events', where),
  }
}

const authTrigger = (base: TriggerBase, config: JsonObject): AuthTriggerConfig => {
  const { where } = base
  const operationType = requiredString(config, 'operation_type', where).toUpperCase()
  if (!AUTH_OPERATIONS.has(operationType)) {
    throw new AppFolderError(
      `${where}: operation type "${operationType}" is not one of CREATE, LOGIN, DELETE.`,
    )
  }
  const providers = stringList(config, 'providers', where)
  if (providers.length === 0) {
    throw new AppFolderError(`${where}: "config.providers" must name at least one provider.`)
  }
  return {
    ...base,
    type: 'AUTHENTICATION',
    operationType: operationType as AuthOperation,
    providers,
  }
}

const scheduledTrigger = (base: TriggerBase, config: JsonObject): ScheduledTriggerConfig => ({
  ...base,
  type: 'SCHEDULED',
  schedule: requiredString(config, 'schedule', base.where),
  skipCatchupEvents: flag(config, 'skip_catchup_events', base.where),
})

/** One trigger file, checked; `validateSchedule` refuses a cron expression it cannot run. */
export const triggerOf = (
  raw: unknown,
  where: string,
  validateSchedule: (schedule: string, where: string) => void,
): TriggerConfig => {
  const entry = expectObject(raw, where)
  const name = requiredString(entry, 'name', where)
  if (!NAME.test(name)) {
    throw new AppFolderError(
      `${where}: the trigger name "${name}" must be 1 to 64 ASCII letters, digits, "_" or "-".`,
    )
  }
  const type = requiredString(entry, 'type', where)
  const config = optionalObject(entry, 'config', where) ?? {}
  const base: TriggerBase = {
    name,
    functionName: functionNameOf(entry, where),
    disabled: flag(entry, 'disabled', where),
    where,
  }
  switch (type) {
    case 'DATABASE':
      return databaseTrigger(base, config)
    case 'AUTHENTICATION':
      return authTrigger(base, config)
    case 'SCHEDULED': {
      const trigger = scheduledTrigger(base, config)
      validateSchedule(trigger.schedule, where)
      return trigger
    }
    default:
      throw new AppFolderError(
        `${where}: trigger type "${type}" is not one of DATABASE, AUTHENTICATION, SCHEDULED.`,
      )
  }
}

/**
 * Loads `triggers/*.json` (App Services' export: one file per trigger). Every trigger must name
 * a function of the app, and names must be unique; a disabled trigger is loaded and never fires.
 */
export const loadTriggers = async (
  dir: string,
  functions: ReadonlyMap<string, FunctionDefinition>,
  validateSchedule: (schedule: string, where: string) => void,
): Promise<TriggerConfig[]> => {
  const folder = join(dir, 'triggers')
  const files = (await readdir(folder).catch(() => [] as string[]))
    .filter((file) => file.endsWith('.json'))
    .sort()
  const triggers: TriggerConfig[] = []
  const names = new Set<string>()
  for (const file of files) {
    const where = `triggers/${file}`
    const trigger = triggerOf(await readJsonFile(join(folder, file)), where, validateSchedule)
    if (names.has(trigger.name)) {
      throw new AppFolderError(`${where}: another trigger is named "${trigger.name}" already.`)
    }
    names.add(trigger.name)
    if (!functions.has(trigger.functionName)) {
      throw new AppFolderError(
        `${where}: the function "${trigger.functionName}" does not exist in functions/.`,
      )
    }
    triggers.push(trigger)
  }
  return triggers
}
