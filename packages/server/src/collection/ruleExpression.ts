import { EJSON } from 'bson'
import { Query } from 'mingo'
import type { Document } from './documentCodec'
import { toQueryView } from './queryView'
import { isPlainObject } from './isPlainObject'
import {
  CallFunction,
  DOCUMENT_ROOTS,
  expansionProblem,
  FunctionCalls,
  OidToString,
  parseExpansion,
  RuleExpressionError,
  StringToOid,
  substitute,
  type MaybePromise,
  type RuleContext,
  type RuleDocuments,
  type Substitution,
  type ValueOperation,
} from './ruleValues'

export { RuleExpressionError }
export type { MaybePromise, RuleContext, RuleDocuments }
export type { RuleFunctionCall, RuleFunctionCaller } from './ruleValues'

/** Everything one evaluation of an expression reads: the caller's context and the documents. */
export type RuleVariables = RuleContext & RuleDocuments

/** A compiled App Services rule expression. */
export interface RuleExpression {
  /** The expression as written, for messages. */
  readonly source: unknown
  /** True when it reads the document (`{ owner: "%%user.id" }`, `%%root`, `%%prevRoot`). */
  readonly usesDocument: boolean
  /** True when it calls `%function`: its answers are then promises. */
  readonly callsFunctions: boolean
  /** Things to tell whoever loads it: an expansion that never has a value here (`%%partition`). */
  readonly notes: readonly string[]
  evaluate(variables: RuleVariables): MaybePromise<boolean>
  /**
   * The expression for one caller: what depends only on the context is worked out once, so
   * testing many documents costs one match each (and each distinct `%function` call runs once).
   */
  bind(context: RuleContext): BoundRuleExpression
}

/** A rule expression bound to one caller's context. */
export interface BoundRuleExpression {
  test(documents?: RuleDocuments): MaybePromise<boolean>
}

/** A query or value with expansions (a filter's `query`), resolved per caller. */
export interface RuleTemplate {
  readonly callsFunctions: boolean
  resolve(context: RuleContext): MaybePromise<unknown>
}

// App Services operators and the MongoDB query operators that mean the same inside expressions.
const VALUE_OPERATORS: Record<string, string> = {
  '%exists': '$exists',
  '%in': '$in',
  '%nin': '$nin',
  $eq: '$eq',
  $ne: '$ne',
  $gt: '$gt',
  $gte: '$gte',
  $lt: '$lt',
  $lte: '$lte',
  $in: '$in',
  $nin: '$nin',
  $exists: '$exists',
}
const LOGICAL_OPERATORS: Record<string, string> = {
  '%and': '$and',
  '%or': '$or',
  $and: '$and',
  $or: '$or',
  $nor: '$nor',
}
const COMPUTING_OPERATORS = new Set(['%stringToOid', '%oidToString', '%function'])

const ALWAYS: BoundRuleExpression = { test: () => true }

/** What compiling found out about an expression or template, beyond its translation. */
interface Findings {
  usesDocument: boolean
  /** A value (not a key) depends on the document: the query then differs per document. */
  valuesUseDocument: boolean
  callsFunctions: boolean
  readonly notes: string[]
}

/** Compiles the parts of expressions and templates that are values: expansions, operators. */
const valueCompiler = (options: { readonly documentAllowed: boolean }, found: Findings) => {
  const unsupported = (what: string): RuleExpressionError =>
    new RuleExpressionError(`${what} is not supported in rule expressions`)

  const checkExpansion = (text: string): void => {
    const problem = expansionProblem(text)
    if (problem) throw new RuleExpressionError(problem)
    const root = parseExpansion(text)?.root ?? ''
    if (DOCUMENT_ROOTS.has(root)) {
      if (!options.documentAllowed)
        throw new RuleExpressionError(`"${text}" needs a document, and there is none here`)
      found.usesDocument = true
    }
    if (root === '%%partition' && !found.notes.some((note) => note.includes('%%partition'))) {
      found.notes.push(
        '"%%partition" has a value only under partition-based Device Sync, which this server does not run: it matches nothing here',
      )
    }
  }

  /** The argument of `%stringToOid` / `%oidToString`: a literal, an EJSON literal or an expansion. */
  const oidArgument = (value: unknown, operator: string): unknown => {
    if (typeof value === 'string' && value.startsWith('%%')) return expansion(value)
    if (isPlainObject(value)) {
      try {
        return EJSON.deserialize(value, { relaxed: false })
      } catch {
        throw new RuleExpressionError(`${operator} takes a string, an EJSON value or an expansion`)
      }
    }
    if (Array.isArray(value)) {
      throw new RuleExpressionError(`${operator} takes a string, an EJSON value or an expansion`)
    }
    return value
  }

  const expansion = (text: string): string => {
    checkExpansion(text)
    if (DOCUMENT_ROOTS.has(parseExpansion(text)?.root ?? '')) found.valuesUseDocument = true
    return text
  }

  const computing = (operator: string, argument: unknown, inFunction: boolean): ValueOperation => {
    if (operator === '%stringToOid') return new StringToOid(oidArgument(argument, operator))
    if (operator === '%oidToString') return new OidToString(oidArgument(argument, operator))
    if (inFunction) {
      throw new RuleExpressionError('a %function argument cannot call another %function')
    }
    if (!isPlainObject(argument) || typeof argument.name !== 'string' || argument.name === '') {
      throw new RuleExpressionError('%function needs { "name": "<function>", "arguments": [...] }')
    }
    const args = argument.arguments ?? []
    if (!Array.isArray(args))
      throw new RuleExpressionError('%function "arguments" must be an array')
    found.callsFunctions = true
    return new CallFunction(
      argument.name,
      args.map((arg) => value(arg, true)),
    )
  }

  /** A value position: literals, expansions, computing operators and value operators. */
  const value = (input: unknown, inFunction = false): unknown => {
    if (typeof input === 'string' && input.startsWith('%%')) return expansion(input)
    if (Array.isArray(input)) return input.map((item) => value(item, inFunction))
    if (!isPlainObject(input)) return input
    const keys = Object.keys(input)
    const [only] = keys
    if (keys.length === 1 && only !== undefined && COMPUTING_OPERATORS.has(only)) {
      return computing(only, input[only], inFunction)
    }
    if (keys.some((key) => key.startsWith('%') || key.startsWith('$'))) {
      const out: Document = {}
      for (const key of keys) {
        const operator = VALUE_OPERATORS[key]
        if (!operator) throw unsupported(`the operator "${key}"`)
        out[operator] = value(input[key], inFunction)
      }
      return out
    }
    const out: Document = {}
    for (const key of keys) out[key] = value(input[key], inFunction)
    return out
  }

  return { value, checkExpansion, unsupported }
}

/** A compiled query ready to test, or null when substitution made it invalid (it then denies). */
const compileQuery = (query: unknown): Query | null => {
  try {
    return new Query(toQueryView(query) as Document)
  } catch {
    return null // An operator given the wrong type by an expansion: the rule denies.
  }
}

/** The variables of an evaluation, by expansion root, as queries compare them. */
const variablesOf = (context: RuleContext): Record<string, unknown> => ({
  '%%user': toQueryView(context.user ?? undefined),
  '%%values': toQueryView(context.values),
  '%%environment': toQueryView(context.environment),
  '%%request': toQueryView(context.request),
  '%%partition': undefined,
  '%%true': true,
  '%%false': false,
})

const withDocuments = (
  base: Record<string, unknown>,
  documents: RuleDocuments,
): Record<string, unknown> => ({
  ...base,
  '%%root': documents.root === undefined ? undefined : toQueryView(documents.root),
  '%%prevRoot': documents.prevRoot === undefined ? undefined : toQueryView(documents.prevRoot),
  '%%this': toQueryView(documents.this),
  '%%prev': toQueryView(documents.prev),
})

interface SettledInput {
  readonly template: unknown
  readonly variables: Record<string, unknown>
  readonly calls: FunctionCalls | undefined
}

/**
 * Substitutes `template`; when `%function` calls had to start, resolves once they settle and
 * substitutes again. `then` receives the substituted value, or `undefined` when a call the
 * template needed failed (the rule then denies).
 */
const substituteSettled = <T>(
  { template, variables, calls }: SettledInput,
  then: (substituted: unknown) => T,
): MaybePromise<T> => {
  const pass = (): Substitution => ({ variables, calls, waiting: [], used: [] })
  const finish = (state: Substitution, substituted: unknown): T => {
    const failed = state.used.some((key) => calls?.result(key)?.ok === false)
    return then(failed ? undefined : substituted)
  }
  const first = pass()
  const substituted = substitute(template, first)
  if (first.waiting.length === 0) return finish(first, substituted)
  return Promise.all(first.waiting).then(() => {
    const second = pass()
    return finish(second, substitute(template, second))
  })
}

/**
 * Compiles an App Services rule expression (`can_evaluate`, a role's `apply_when`, `read`,
 * `write`, `insert`, `delete`, `document_filters`, field permissions, a filter's `apply_when`),
 * as the App Services docs define them (rules/expressions):
 * - `true`, `false`, `{}` (always true), and several fields meaning all of them;
 * - expansions `%%true`, `%%false`, `%%user[.path]`, `%%values.<name>`, `%%environment[.path]`,
 *   `%%request[.path]`, `%%partition` (never a value here: partition-based Sync), and where a
 *   document exists `%%root`, `%%prevRoot`, `%%this`, `%%prev` and plain field names
 *   (`{ "owner_id": "%%user.id" }`, a MongoDB query on the document);
 * - `%and`, `%or` (and `$and`, `$or`, `$nor`); on values `%exists`, `%in`, `%nin` and MongoDB's
 *   comparison operators; `%stringToOid`, `%oidToString`, and `%function` (which runs an app
 *   function through the context's `callFunction`, making the answer a promise).
 * Anything else (`%%args`, an unknown operator) throws `RuleExpressionError`: a server that
 * ignored a rule it cannot evaluate would open or close data by accident.
 */
export const compileRuleExpression = (
  source: unknown,
  options: { readonly documentAllowed: boolean },
): RuleExpression => {
  if (typeof source === 'boolean') {
    const constant = { test: () => source }
    return {
      source,
      usesDocument: false,
      callsFunctions: false,
      notes: [],
      evaluate: () => source,
      bind: () => constant,
    }
  }
  const found: Findings = {
    usesDocument: false,
    valuesUseDocument: false,
    callsFunctions: false,
    notes: [],
  }
  const { value, checkExpansion, unsupported } = valueCompiler(options, found)

  // Translates the expression into a MongoDB query over a synthetic document that holds the
  // variables under their expansion names ("%%user", ...) next to the document's own fields.
  const translate = (expression: unknown): Document => {
    if (!isPlainObject(expression)) {
      throw new RuleExpressionError(
        `a rule expression must be true, false or an object, not ${JSON.stringify(expression)}`,
      )
    }
    const query: Document = {}
    for (const [key, item] of Object.entries(expression)) {
      const logical = LOGICAL_OPERATORS[key]
      if (logical) {
        if (!Array.isArray(item))
          throw new RuleExpressionError(`${key} needs an array of expressions`)
        query[logical] = item.map(translate)
      } else if (key.startsWith('%%')) {
        checkExpansion(key)
        query[key] = value(item)
      } else if (COMPUTING_OPERATORS.has(key)) {
        throw new RuleExpressionError(
          `${key} computes a value: compare it with something, e.g. { "%%true": { "${key}": ... } }`,
        )
      } else if (key.startsWith('%') || key.startsWith('$')) {
        throw unsupported(`the operator "${key}"`)
      } else {
        if (!options.documentAllowed) {
          throw new RuleExpressionError(
            `"${key}" is a document field, and there is no document here`,
          )
        }
        found.usesDocument = true
        query[key] = value(item)
      }
    }
    return query
  }

  const template = translate(source)
  const empty = Object.keys(template).length === 0

  const bind = (context: RuleContext): BoundRuleExpression => {
    if (empty) return ALWAYS
    const base = variablesOf(context)
    const calls = found.callsFunctions ? new FunctionCalls(context) : undefined
    // The query is the same for every document unless a value reads the document.
    let shared: Query | null | undefined
    const match = (variables: Record<string, unknown>, root: Document | undefined) =>
      substituteSettled({ template, variables, calls }, (substituted) => {
        if (substituted === undefined) return false
        let query: Query | null
        if (!found.valuesUseDocument && shared !== undefined) query = shared
        else {
          query = compileQuery(substituted)
          if (!found.valuesUseDocument) shared = query
        }
        if (!query) return false
        try {
          return query.test({ ...root, ...variables })
        } catch {
          return false
        }
      })
    return {
      test(documents = {}) {
        const variables = withDocuments(base, documents)
        const root = variables['%%root'] as Document | undefined
        return match(variables, root)
      },
    }
  }

  return {
    source,
    usesDocument: found.usesDocument,
    callsFunctions: found.callsFunctions,
    notes: found.notes,
    evaluate: (variables) => bind(variables).test(variables),
    bind,
  }
}

/**
 * Compiles a query with expansions, such as a filter's `query` (`{ "owner_id": "%%user.id" }`):
 * MongoDB operators stay as they are; expansions, `%stringToOid`, `%oidToString` and `%function`
 * are replaced by their values for each caller. No document expansions: there is no document yet.
 */
export const compileRuleTemplate = (source: unknown): RuleTemplate => {
  const found: Findings = {
    usesDocument: false,
    valuesUseDocument: false,
    callsFunctions: false,
    notes: [],
  }
  const { value } = valueCompiler({ documentAllowed: false }, found)
  const walk = (input: unknown): unknown => {
    if (typeof input === 'string' && input.startsWith('%%')) return value(input)
    if (Array.isArray(input)) return input.map(walk)
    if (!isPlainObject(input)) return input
    const keys = Object.keys(input)
    const [only] = keys
    if (keys.length === 1 && only !== undefined && COMPUTING_OPERATORS.has(only))
      return value(input)
    const out: Document = {}
    for (const key of keys) out[key] = walk(input[key])
    return out
  }
  const template = walk(source)
  return {
    callsFunctions: found.callsFunctions,
    resolve: (context) =>
      substituteSettled(
        {
          template,
          variables: variablesOf(context),
          calls: found.callsFunctions ? new FunctionCalls(context) : undefined,
        },
        // A failed %function leaves a query that matches nothing.
        (substituted) => substituted ?? { _id: { $in: [] } },
      ),
  }
}
