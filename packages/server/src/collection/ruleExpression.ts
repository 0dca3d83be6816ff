import { Query } from 'mingo'
import type { Document } from './documentCodec'
import { toQueryView } from './queryView'
import { isPlainObject } from './isPlainObject'

/** The variables a rule expression may expand (App Services' `%%user`, `%%values`, `%%root`...). */
export interface RuleVariables {
  /** `context.user`'s shape: `{ id, type, data, custom_data, identities }`; null for none. */
  readonly user: Readonly<Record<string, unknown>> | null
  readonly values: Readonly<Record<string, unknown>>
  /** The document the rule is evaluated on (after the change, for writes). */
  readonly root?: Document
  /** The document before the change; undefined for an insert. */
  readonly prevRoot?: Document
}

/** A compiled App Services rule expression. */
export interface RuleExpression {
  /** The expression as written, for messages. */
  readonly source: unknown
  /** True when it reads the document (`{ owner: "%%user.id" }`, `%%root`, `%%prevRoot`). */
  readonly usesDocument: boolean
  evaluate(variables: RuleVariables): boolean
  /**
   * The expression for one caller: what depends only on the user and the values is worked out
   * once, so testing many documents costs one match each.
   */
  bind(variables: Pick<RuleVariables, 'user' | 'values'>): BoundRuleExpression
}

/** A rule expression bound to one caller's `%%user` and `%%values`. */
export interface BoundRuleExpression {
  test(root?: Document, prevRoot?: Document): boolean
}

/** An expression this server cannot evaluate; the app folder loader names the file. */
export class RuleExpressionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RuleExpressionError'
  }
}

const EXPANSION_ROOTS = ['%%user', '%%values', '%%root', '%%prevRoot']
const DOCUMENT_ROOTS = new Set(['%%root', '%%prevRoot'])
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

// What an expansion of something missing becomes: equal to nothing a document holds, so that
// `{ owner: "%%user.custom_data.team" }` never matches documents without an owner.
class Missing {
  toString(): string {
    return 'rule-expression:missing-value'
  }
}
const MISSING = Object.freeze(new Missing())

/** `%%user.custom_data.role` → the variable root and the path below it. */
const parseExpansion = (text: string): { root: string; path: string } | undefined => {
  if (text === '%%true' || text === '%%false') return { root: text, path: '' }
  const root = EXPANSION_ROOTS.find((name) => text === name || text.startsWith(`${name}.`))
  return root ? { root, path: text.slice(root.length + 1) } : undefined
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

const substitute = (value: unknown, variables: Record<string, unknown>): unknown => {
  if (typeof value === 'string' && value.startsWith('%%')) {
    const parsed = parseExpansion(value)
    const found = parsed ? readPath(variables[parsed.root], parsed.path) : undefined
    return found === undefined ? MISSING : found
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, variables))
  if (!isPlainObject(value)) return value
  const out: Document = {}
  for (const [key, item] of Object.entries(value)) {
    const replaced = substitute(item, variables)
    // A value from outside the rule (a user's data, an identity provider's claim) that lands where
    // a field's condition goes is compared, never read as operators: {"$ne": null} stays data.
    const fromOutside = typeof item === 'string' && item.startsWith('%%')
    out[key] =
      fromOutside && !key.startsWith('$') && isPlainObject(replaced) ? { $eq: replaced } : replaced
  }
  return out
}

const variablesOf = (vars: RuleVariables): Record<string, unknown> => ({
  '%%user': vars.user ?? undefined,
  '%%values': vars.values,
  '%%root': vars.root,
  '%%prevRoot': vars.prevRoot,
  '%%true': true,
  '%%false': false,
})

/**
 * Replaces the expansions (`"%%user.id"`, `"%%values.x"`) in a query with their values; a
 * missing value becomes one that equals nothing.
 */
export const substituteExpansions = (value: unknown, vars: RuleVariables): unknown =>
  substitute(value, variablesOf(vars))

/**
 * Compiles an App Services rule expression (as in `can_evaluate`, a role's `apply_when`,
 * `read`/`write`/`insert`/`delete` and `document_filters`). Supported:
 * - `true`, `false`, `{}` (always true);
 * - expansions `%%true`, `%%false`, `%%user`, `%%user.<path>` (id, type, data, custom_data,
 *   identities), `%%values.<name>`, and where a document exists `%%root`, `%%prevRoot` and
 *   plain field names (`{ "owner_id": "%%user.id" }`, a MongoDB query on the document);
 * - `%and`, `%or` (and `$and`, `$or`, `$nor`), and on values `%exists`, `%in`, `%nin` and the
 *   MongoDB comparison operators.
 * Anything else (`%function`, `%%request`, `%stringToOid`, ...) throws `RuleExpressionError`:
 * a server that ignored a rule it cannot evaluate would open or close data by accident.
 */
export const compileRuleExpression = (
  source: unknown,
  options: { readonly documentAllowed: boolean },
): RuleExpression => {
  if (typeof source === 'boolean') {
    const constant = { test: () => source }
    return { source, usesDocument: false, evaluate: () => source, bind: () => constant }
  }
  let usesDocument = false
  // Whether a value (not a key) expands %%root or %%prevRoot: then the query differs per document.
  let valuesUseDocument = false
  const unsupported = (what: string): RuleExpressionError =>
    new RuleExpressionError(`${what} is not supported in rule expressions`)

  const checkExpansion = (text: string): void => {
    const parsed = parseExpansion(text)
    if (!parsed) throw unsupported(`the expansion "${text}"`)
    if (DOCUMENT_ROOTS.has(parsed.root)) {
      if (!options.documentAllowed)
        throw new RuleExpressionError(`"${text}" needs a document, and there is none here`)
      usesDocument = true
    }
  }

  // Translates the expression into a MongoDB query over a synthetic document that holds the
  // variables under their expansion names ("%%user", ...) next to the document's own fields.
  const translateValue = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith('%%')) {
      checkExpansion(value)
      if (DOCUMENT_ROOTS.has(parseExpansion(value)?.root ?? '')) valuesUseDocument = true
      return value
    }
    if (Array.isArray(value)) return value.map(translateValue)
    if (!isPlainObject(value)) return value
    const keys = Object.keys(value)
    if (keys.some((key) => key.startsWith('%') || key.startsWith('$'))) {
      const out: Document = {}
      for (const key of keys) {
        const operator = VALUE_OPERATORS[key]
        if (!operator) throw unsupported(`the operator "${key}"`)
        out[operator] = translateValue(value[key])
      }
      return out
    }
    const out: Document = {}
    for (const key of keys) out[key] = translateValue(value[key])
    return out
  }

  const translate = (expression: unknown): Document => {
    if (!isPlainObject(expression)) {
      throw new RuleExpressionError(
        `a rule expression must be true, false or an object, not ${JSON.stringify(expression)}`,
      )
    }
    const query: Document = {}
    for (const [key, value] of Object.entries(expression)) {
      const logical = LOGICAL_OPERATORS[key]
      if (logical) {
        if (!Array.isArray(value))
          throw new RuleExpressionError(`${key} needs an array of expressions`)
        query[logical] = value.map(translate)
      } else if (key.startsWith('%%')) {
        checkExpansion(key)
        query[key] = translateValue(value)
      } else if (key.startsWith('%') || key.startsWith('$')) {
        throw unsupported(`the operator "${key}"`)
      } else {
        if (!options.documentAllowed) {
          throw new RuleExpressionError(
            `"${key}" is a document field, and there is no document here`,
          )
        }
        usesDocument = true
        query[key] = translateValue(value)
      }
    }
    return query
  }

  const template = translate(source)

  const empty = Object.keys(template).length === 0
  const always: BoundRuleExpression = { test: () => true }

  const bind = (vars: Pick<RuleVariables, 'user' | 'values'>): BoundRuleExpression => {
    if (empty) return always
    const user = toQueryView(vars.user ?? undefined)
    const values = toQueryView(vars.values)
    const compile = (variables: Record<string, unknown>): Query | undefined => {
      try {
        return new Query(toQueryView(substitute(template, variables)) as Document)
      } catch {
        return undefined // An operator given the wrong type by an expansion: the rule denies.
      }
    }
    const variablesFor = (root?: Document, prevRoot?: Document) => ({
      '%%user': user,
      '%%values': values,
      '%%root': root,
      '%%prevRoot': prevRoot,
      '%%true': true,
      '%%false': false,
    })
    const shared = valuesUseDocument ? undefined : compile(variablesFor())
    return {
      test(root, prevRoot) {
        const rootView = root === undefined ? undefined : (toQueryView(root) as Document)
        const prevView = prevRoot === undefined ? undefined : (toQueryView(prevRoot) as Document)
        const variables = variablesFor(rootView, prevView)
        const query = valuesUseDocument ? compile(variables) : shared
        if (!query) return false
        try {
          return query.test({ ...rootView, ...variables })
        } catch {
          return false
        }
      },
    }
  }

  return {
    source,
    usesDocument,
    evaluate: (vars) => bind(vars).test(vars.root, vars.prevRoot),
    bind,
  }
}
