import { EJSON, ObjectId } from 'bson'
import type { Document } from './documentCodec'
import { isPlainObject } from './isPlainObject'

/** A value now, or later when a `%function` had to run first. */
export type MaybePromise<T> = T | Promise<T>

/** One `%function` call of a rule expression. */
export interface RuleFunctionCall {
  readonly name: string
  readonly args: readonly unknown[]
  /** The user the rule is evaluated for (`context.user` in the function); null for none. */
  readonly user: Readonly<Record<string, unknown>> | null
}

/**
 * Runs an app function for `%function` and resolves with what it returns. Passed in by whoever
 * builds the rule context (the server), so the collection layer never reaches for functions.
 */
export type RuleFunctionCaller = (call: RuleFunctionCall) => Promise<unknown>

/** What a rule expression is evaluated against, apart from documents: one caller, one request. */
export interface RuleContext {
  /** `context.user`'s shape: `{ id, type, data, custom_data, identities }`; null for none. */
  readonly user: Readonly<Record<string, unknown>> | null
  /** `%%values`: the app's values, secrets resolved. */
  readonly values: Readonly<Record<string, unknown>>
  /** `%%environment`: `{ tag, values }`. */
  readonly environment?: Readonly<Record<string, unknown>>
  /** `%%request`: `context.request` of the HTTP request behind the operation. */
  readonly request?: Readonly<Record<string, unknown>>
  /** Runs `%function`; without it, an expression that calls a function does not hold. */
  readonly callFunction?: RuleFunctionCaller
}

/** The documents (and, for field-level permissions, the field values) an expression reads. */
export interface RuleDocuments {
  /** The document (after the change, for writes). */
  readonly root?: Document
  /** The document before the change; undefined for an insert. */
  readonly prevRoot?: Document
  /** `%%this`: a field's value after the change (field-level permissions). */
  readonly this?: unknown
  /** `%%prev`: a field's value before the change. */
  readonly prev?: unknown
}

/** An expression this server cannot evaluate; the app folder loader names the file. */
export class RuleExpressionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RuleExpressionError'
  }
}

const EXPANSION_ROOTS = [
  '%%user',
  '%%values',
  '%%environment',
  '%%request',
  '%%partition',
  '%%root',
  '%%prevRoot',
  '%%this',
  '%%prev',
]
/** Expansions that exist only where a document (or one of its fields) is being evaluated. */
export const DOCUMENT_ROOTS: ReadonlySet<string> = new Set([
  '%%root',
  '%%prevRoot',
  '%%this',
  '%%prev',
])

// What an expansion of something missing becomes: equal to nothing a document holds, so that
// `{ owner: "%%user.custom_data.team" }` never matches documents without an owner.
class Missing {
  toString(): string {
    return 'rule-expression:missing-value'
  }
}
export const MISSING: object = Object.freeze(new Missing())

/** `%%user.custom_data.role` → the variable root and the path below it. */
export const parseExpansion = (text: string): { root: string; path: string } | undefined => {
  if (text === '%%true' || text === '%%false') return { root: text, path: '' }
  const root = EXPANSION_ROOTS.find((name) => text === name || text.startsWith(`${name}.`))
  return root ? { root, path: text.slice(root.length + 1) } : undefined
}

/** Why an expansion cannot be evaluated, or undefined when it can. */
export const expansionProblem = (text: string): string | undefined => {
  if (parseExpansion(text)) return undefined
  if (text === '%%args' || text.startsWith('%%args.')) {
    return `the expansion "${text}" exists only in rules of third-party services, which this server does not run`
  }
  return `the expansion "${text}" is not one App Services defines (%%user, %%values, %%environment, %%request, %%root, %%prevRoot, %%this, %%prev, %%partition, %%true, %%false)`
}

const readPath = (value: unknown, path: string): unknown => {
  if (path === '') return value
  let current = value
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}

/**
 * An operator that computes a value inside an expression: `%stringToOid`, `%oidToString`,
 * `%function`. Compiled expressions hold these where the value goes; substitution replaces them.
 */
export abstract class ValueOperation {}

/** `%stringToOid`: a 24-hex-digit (or 12-byte) string as an ObjectId. */
export class StringToOid extends ValueOperation {
  constructor(readonly argument: unknown) {
    super()
  }
  apply(value: unknown): unknown {
    if (value instanceof ObjectId) return value
    if (typeof value !== 'string') return MISSING
    if (/^[0-9a-fA-F]{24}$/.test(value)) return ObjectId.createFromHexString(value)
    const bytes = new TextEncoder().encode(value)
    return bytes.length === 12 ? new ObjectId(bytes) : MISSING
  }
}

/** `%oidToString`: an ObjectId as its 24 hex digits. */
export class OidToString extends ValueOperation {
  constructor(readonly argument: unknown) {
    super()
  }
  apply(value: unknown): unknown {
    return value instanceof ObjectId ? value.toHexString() : MISSING
  }
}

/** `%function`: what the named function returns for the arguments. */
export class CallFunction extends ValueOperation {
  constructor(
    readonly name: string,
    readonly args: readonly unknown[],
  ) {
    super()
  }
}

/** The settled result of one `%function` call, or its failure. */
interface CallResult {
  readonly ok: boolean
  readonly value: unknown
}

/**
 * The `%function` calls of one bound expression (one caller, one operation): each distinct call
 * (name and arguments) runs once, however many documents the operation tests.
 */
export class FunctionCalls {
  readonly #context: RuleContext
  readonly #results = new Map<string, CallResult>()
  readonly #running = new Map<string, Promise<void>>()

  constructor(context: RuleContext) {
    this.#context = context
  }

  static keyOf(name: string, args: readonly unknown[]): string {
    return `${name}\u0000${EJSON.stringify([...args], { relaxed: false })}`
  }

  result(key: string): CallResult | undefined {
    return this.#results.get(key)
  }

  /** Starts the call unless it ran or runs already; resolves once it has settled. */
  start(name: string, args: readonly unknown[], key: string): Promise<void> | undefined {
    if (this.#results.has(key)) return undefined
    let running = this.#running.get(key)
    if (!running) {
      const caller = this.#context.callFunction
      const call = caller
        ? caller({ name, args, user: this.#context.user })
        : Promise.reject(new Error('no function runner'))
      running = call.then(
        (value) => void this.#results.set(key, { ok: true, value }),
        (error: unknown) => void this.#results.set(key, { ok: false, value: error }),
      )
      this.#running.set(key, running)
    }
    return running
  }
}

/** Everything substitution needs: the variables by expansion root, and the function calls. */
export interface Substitution {
  readonly variables: Readonly<Record<string, unknown>>
  readonly calls: FunctionCalls | undefined
  /** Calls found not yet settled; substitution put `MISSING` in their place. */
  readonly waiting: Promise<void>[]
  /** Keys of the calls this substitution used, to tell whether one failed. */
  readonly used: string[]
}

/** The value of an expansion such as `"%%user.id"`; `MISSING` for a missing value. */
const expand = (text: string, variables: Readonly<Record<string, unknown>>): unknown => {
  const parsed = parseExpansion(text)
  const found = parsed ? readPath(variables[parsed.root], parsed.path) : undefined
  return found === undefined ? MISSING : found
}

const operate = (operation: ValueOperation, state: Substitution): unknown => {
  if (operation instanceof StringToOid || operation instanceof OidToString) {
    return operation.apply(substitute(operation.argument, state))
  }
  if (operation instanceof CallFunction) {
    // A missing expansion is passed as null, as the function would see an absent value.
    const args = operation.args.map((arg) => {
      const value = substitute(arg, state)
      return value === MISSING ? null : value
    })
    const key = FunctionCalls.keyOf(operation.name, args)
    state.used.push(key)
    const settled = state.calls?.result(key)
    if (settled) return settled.ok ? settled.value : MISSING
    const running = state.calls?.start(operation.name, args, key)
    if (running) state.waiting.push(running)
    return MISSING
  }
  return MISSING
}

/**
 * Replaces expansions (`"%%user.id"`) and value operators in a compiled expression or query with
 * their values. A value from outside the rule (a user's data, a function's result) that lands
 * where a field's condition goes is compared, never read as operators: `{"$ne": null}` stays data.
 */
export const substitute = (value: unknown, state: Substitution): unknown => {
  if (typeof value === 'string' && value.startsWith('%%')) return expand(value, state.variables)
  if (value instanceof ValueOperation) return operate(value, state)
  if (Array.isArray(value)) return value.map((item) => substitute(item, state))
  if (!isPlainObject(value)) return value
  const out: Document = {}
  for (const [key, item] of Object.entries(value)) {
    const replaced = substitute(item, state)
    const fromOutside =
      (typeof item === 'string' && item.startsWith('%%')) || item instanceof ValueOperation
    out[key] =
      fromOutside && !key.startsWith('$') && isPlainObject(replaced) ? { $eq: replaced } : replaced
  }
  return out
}
