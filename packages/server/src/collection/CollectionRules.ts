import type { Document } from './documentCodec'
import {
  compileRuleExpression,
  RuleExpressionError,
  substituteExpansions,
  type BoundRuleExpression,
  type RuleExpression,
  type RuleVariables,
} from './ruleExpression'
import type { CollectionAccess } from './CollectionAccess'
import { isPlainObject } from './isPlainObject'

/** One role of an App Services collection rule (`rules.json` or `default_rule.json`). */
export interface RuleRole {
  readonly name: string
  readonly applyWhen: RuleExpression
  readonly read: RuleExpression
  readonly write: RuleExpression
  readonly insert: RuleExpression
  readonly delete: RuleExpression
  readonly readFilter: RuleExpression | undefined
  readonly writeFilter: RuleExpression | undefined
}

/** One filter: a query added to every request while its `apply_when` holds. */
export interface RuleFilter {
  readonly name: string
  readonly applyWhen: RuleExpression
  /** The query with its expansions, substituted per request. */
  readonly query: Document
}

/** A collection's rules, compiled. */
export interface CollectionRules {
  readonly roles: readonly RuleRole[]
  readonly filters: readonly RuleFilter[]
}

const isEmptyOrMissing = (value: unknown): boolean =>
  value === undefined || (isPlainObject(value) && Object.keys(value).length === 0)

/**
 * Compiles the rules of one collection in App Services' format:
 * `{ "roles": [{ "name", "apply_when", "document_filters": { "read", "write" }, "read", "write",
 * "insert", "delete", "search" }], "filters": [{ "name", "apply_when", "query" }] }`.
 * Field-level permissions (`fields`, `additional_fields` with content) and filter projections
 * are refused with `RuleExpressionError` rather than ignored.
 */
export const compileCollectionRules = (raw: unknown): CollectionRules => {
  if (!isPlainObject(raw)) throw new RuleExpressionError('a rules file must hold a JSON object')
  const rolesRaw = raw.roles ?? []
  const filtersRaw = raw.filters ?? []
  if (!Array.isArray(rolesRaw)) throw new RuleExpressionError('"roles" must be an array')
  if (!Array.isArray(filtersRaw)) throw new RuleExpressionError('"filters" must be an array')
  const expression = (value: unknown, where: string, fallback: boolean): RuleExpression => {
    try {
      return compileRuleExpression(value ?? fallback, { documentAllowed: true })
    } catch (error) {
      throw new RuleExpressionError(`${where}: ${(error as Error).message}`)
    }
  }
  const roles = rolesRaw.map((role: unknown, index): RuleRole => {
    if (!isPlainObject(role)) throw new RuleExpressionError(`roles[${index}] must be an object`)
    const name = typeof role.name === 'string' ? role.name : `roles[${index}]`
    if (!isEmptyOrMissing(role.fields) || !isEmptyOrMissing(role.additional_fields)) {
      throw new RuleExpressionError(
        `role "${name}": field-level permissions ("fields", "additional_fields") are not supported yet`,
      )
    }
    const filters = role.document_filters
    if (filters !== undefined && !isPlainObject(filters)) {
      throw new RuleExpressionError(`role "${name}": "document_filters" must be an object`)
    }
    return {
      name,
      applyWhen: expression(role.apply_when ?? {}, `role "${name}" apply_when`, true),
      read: expression(role.read, `role "${name}" read`, false),
      write: expression(role.write, `role "${name}" write`, false),
      insert: expression(role.insert, `role "${name}" insert`, false),
      delete: expression(role.delete, `role "${name}" delete`, false),
      readFilter:
        filters?.read === undefined
          ? undefined
          : expression(filters.read, `role "${name}" document_filters.read`, false),
      writeFilter:
        filters?.write === undefined
          ? undefined
          : expression(filters.write, `role "${name}" document_filters.write`, false),
    }
  })
  const filters = filtersRaw.map((filter: unknown, index): RuleFilter => {
    if (!isPlainObject(filter)) throw new RuleExpressionError(`filters[${index}] must be an object`)
    const name = typeof filter.name === 'string' ? filter.name : `filters[${index}]`
    if (!isEmptyOrMissing(filter.projection)) {
      throw new RuleExpressionError(`filter "${name}": "projection" is not supported yet`)
    }
    const query = filter.query ?? {}
    if (!isPlainObject(query))
      throw new RuleExpressionError(`filter "${name}": "query" must be an object`)
    // Checks the query's expansions; it is applied as a MongoDB query with them substituted.
    compileRuleExpression(query, { documentAllowed: true })
    let applyWhen: RuleExpression
    try {
      applyWhen = compileRuleExpression(filter.apply_when ?? {}, { documentAllowed: false })
    } catch (error) {
      throw new RuleExpressionError(`filter "${name}" apply_when: ${(error as Error).message}`)
    }
    return { name, applyWhen, query }
  })
  return { roles, filters }
}

/**
 * The rules of one collection, bound to one caller: App Services' role evaluation per document.
 * A document's role is the first whose `apply_when` holds for it; a document with no role is
 * invisible. Writes are checked before and after the change, so a document cannot be moved out
 * of its writer's reach (or into someone else's).
 */
export const createRuleAccess = (
  rules: CollectionRules,
  vars: Pick<RuleVariables, 'user' | 'values'>,
  name: string,
): CollectionAccess => {
  // Each expression is bound to this caller once, when first needed: what depends only on the
  // user is then worked out once per operation, not once per document.
  const bound = new Map<RuleExpression, BoundRuleExpression>()
  const check = (
    expression: RuleExpression | undefined,
    root: Document,
    prevRoot?: Document,
  ): boolean => {
    if (expression === undefined) return true
    let binding = bound.get(expression)
    if (!binding) {
      binding = expression.bind(vars)
      bound.set(expression, binding)
    }
    return binding.test(root, prevRoot)
  }
  const roleFor = (doc: Document): RuleRole | undefined =>
    rules.roles.find((role) => check(role.applyWhen, doc))
  const writable = (doc: Document, before: Document | undefined): boolean => {
    const role = roleFor(doc)
    return role !== undefined && check(role.write, doc, before) && check(role.writeFilter, doc)
  }
  const queries = rules.filters
    .filter((filter) => filter.applyWhen.evaluate(vars))
    .map((filter) => substituteExpansions(filter.query, vars) as Document)
  return {
    name,
    queryFilter:
      queries.length === 0 ? undefined : queries.length === 1 ? queries[0] : { $and: queries },
    canRead(doc) {
      // Write permission implies read; for a stored document, "write" means changing it, so the
      // document is its own %%prevRoot.
      const role = roleFor(doc)
      if (!role) return false
      const allowed = check(role.read, doc) || check(role.write, doc, doc)
      const filtered =
        (role.readFilter === undefined && role.writeFilter === undefined) ||
        (role.readFilter !== undefined && check(role.readFilter, doc)) ||
        (role.writeFilter !== undefined && check(role.writeFilter, doc))
      return allowed && filtered
    },
    canInsert(doc) {
      const role = roleFor(doc)
      return role !== undefined && check(role.insert, doc) && writable(doc, undefined)
    },
    canUpdate: (before, after) => writable(before, before) && writable(after, before),
    canDelete(doc) {
      const role = roleFor(doc)
      return role !== undefined && check(role.delete, doc) && check(role.writeFilter, doc)
    },
  }
}

/** One MongoDB data source of the app folder (`data_sources/<name>/`) and its rules. */
export interface DataSource {
  /** The service name functions and clients use: `context.services.get(name)`. */
  readonly name: string
  /** Rules by namespace, `"<db>.<coll>"`. */
  readonly collections: ReadonlyMap<string, CollectionRules>
  /** `default_rule.json`: the rules of every collection without its own. */
  readonly defaultRule: CollectionRules | null
}
