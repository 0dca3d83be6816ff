import type { Document } from './documentCodec'
import { isPlainObject } from './isPlainObject'
import {
  compileRuleExpression,
  compileRuleTemplate,
  RuleExpressionError,
  type RuleExpression,
  type RuleTemplate,
} from './ruleExpression'

/** Field-level permissions of one field: App Services' `fields.<name>`. */
export interface FieldRule {
  readonly read: RuleExpression | undefined
  readonly write: RuleExpression | undefined
  /** Permissions of the fields of an embedded document; the field's own ones win over them. */
  readonly fields: FieldRules
}

export type FieldRules = ReadonlyMap<string, FieldRule>

/** One role of an App Services collection rule (`rules.json` or `default_rule.json`). */
export interface RuleRole {
  readonly name: string
  readonly applyWhen: RuleExpression
  /** Document-level `read`: every field; undefined when the role does not have it. */
  readonly read: RuleExpression | undefined
  /** Document-level `write` (which implies read): every field. */
  readonly write: RuleExpression | undefined
  /** Checked for inserts, after write permission on every field of the new document. Default true. */
  readonly insert: RuleExpression
  /** Checked for deletes, after write permission on every field of the document. Default true. */
  readonly delete: RuleExpression
  /** Atlas Search permission: kept for completeness; this server has no `$search`. */
  readonly search: RuleExpression
  readonly readFilter: RuleExpression | undefined
  readonly writeFilter: RuleExpression | undefined
  readonly fields: FieldRules
  /** `additional_fields`: the fields `fields` does not name. */
  readonly additionalRead: RuleExpression | undefined
  readonly additionalWrite: RuleExpression | undefined
}

/** One filter: a query (and projection) added to every request while its `apply_when` holds. */
export interface RuleFilter {
  readonly name: string
  readonly applyWhen: RuleExpression
  readonly query: RuleTemplate
  /** Fields withheld from (or the only fields kept in) every document read; undefined for none. */
  readonly projection: Document | undefined
}

/** A collection's rules, compiled. */
export interface CollectionRules {
  readonly roles: readonly RuleRole[]
  readonly filters: readonly RuleFilter[]
  /** What the loader should say about these rules (an expansion that never has a value here...). */
  readonly notes: readonly string[]
}

const isEmptyObject = (value: unknown): boolean =>
  isPlainObject(value) && Object.keys(value).length === 0

/**
 * Compiles the rules of one collection in App Services' format (rules/roles, the role and filter
 * configuration reference): `{ "roles": [{ "name", "apply_when", "document_filters": { "read",
 * "write" }, "read", "write", "insert", "delete", "search", "fields": { "<field>": { "read",
 * "write", "fields" } }, "additional_fields": { "read", "write" } }], "filters": [{ "name",
 * "apply_when", "query", "projection" }] }`. An expression this server cannot evaluate throws
 * `RuleExpressionError` naming the role and the place.
 */
export const compileCollectionRules = (raw: unknown): CollectionRules => {
  if (!isPlainObject(raw)) throw new RuleExpressionError('a rules file must hold a JSON object')
  const rolesRaw = raw.roles ?? []
  const filtersRaw = raw.filters ?? []
  if (!Array.isArray(rolesRaw)) throw new RuleExpressionError('"roles" must be an array')
  if (!Array.isArray(filtersRaw)) throw new RuleExpressionError('"filters" must be an array')
  const notes = new Set<string>()
  const expression = (value: unknown, where: string, documentAllowed = true): RuleExpression => {
    let compiled: RuleExpression
    try {
      compiled = compileRuleExpression(value, { documentAllowed })
    } catch (error) {
      throw new RuleExpressionError(`${where}: ${(error as Error).message}`)
    }
    for (const note of compiled.notes) notes.add(`${where}: ${note}`)
    return compiled
  }
  const optional = (value: unknown, where: string): RuleExpression | undefined =>
    value === undefined || value === null ? undefined : expression(value, where)

  const fieldRules = (value: unknown, where: string): Map<string, FieldRule> => {
    const rules = new Map<string, FieldRule>()
    if (value === undefined || value === null) return rules
    if (!isPlainObject(value)) throw new RuleExpressionError(`${where} must be an object`)
    for (const [field, spec] of Object.entries(value)) {
      const at = `${where}.${field}`
      if (!isPlainObject(spec)) throw new RuleExpressionError(`${at} must be an object`)
      rules.set(field, {
        read: optional(spec.read, `${at}.read`),
        write: optional(spec.write, `${at}.write`),
        fields: fieldRules(spec.fields, `${at}.fields`),
      })
    }
    return rules
  }

  const roles = rolesRaw.map((role: unknown, index): RuleRole => {
    if (!isPlainObject(role)) throw new RuleExpressionError(`roles[${index}] must be an object`)
    const name = typeof role.name === 'string' ? role.name : `roles[${index}]`
    const at = `role "${name}"`
    const filters = role.document_filters
    if (filters !== undefined && filters !== null && !isPlainObject(filters)) {
      throw new RuleExpressionError(`${at}: "document_filters" must be an object`)
    }
    const additional = role.additional_fields ?? {}
    if (!isPlainObject(additional)) {
      throw new RuleExpressionError(`${at}: "additional_fields" must be an object`)
    }
    return {
      name,
      applyWhen: expression(role.apply_when ?? {}, `${at} apply_when`),
      read: optional(role.read, `${at} read`),
      write: optional(role.write, `${at} write`),
      insert: expression(role.insert ?? true, `${at} insert`),
      delete: expression(role.delete ?? true, `${at} delete`),
      search: expression(role.search ?? true, `${at} search`),
      readFilter: optional(filters?.read, `${at} document_filters.read`),
      writeFilter: optional(filters?.write, `${at} document_filters.write`),
      fields: fieldRules(role.fields, `${at} fields`),
      additionalRead: optional(additional.read, `${at} additional_fields.read`),
      additionalWrite: optional(additional.write, `${at} additional_fields.write`),
    }
  })

  const filters = filtersRaw.map((filter: unknown, index): RuleFilter => {
    if (!isPlainObject(filter)) throw new RuleExpressionError(`filters[${index}] must be an object`)
    const name = typeof filter.name === 'string' ? filter.name : `filters[${index}]`
    const at = `filter "${name}"`
    const query = filter.query ?? {}
    if (!isPlainObject(query)) throw new RuleExpressionError(`${at}: "query" must be an object`)
    const projection = filter.projection ?? {}
    if (!isPlainObject(projection)) {
      throw new RuleExpressionError(`${at}: "projection" must be an object`)
    }
    let template: RuleTemplate
    try {
      template = compileRuleTemplate(query)
    } catch (error) {
      throw new RuleExpressionError(`${at} query: ${(error as Error).message}`)
    }
    return {
      name,
      // Filters apply before any document is read: no %%root in their apply_when.
      applyWhen: expression(filter.apply_when ?? {}, `${at} apply_when`, false),
      query: template,
      projection: isEmptyObject(projection) ? undefined : projection,
    }
  })
  const kinds = new Set(filters.flatMap((filter) => projectionKind(filter.projection) ?? []))
  if (kinds.size > 1) {
    notes.add(
      'filters mix inclusive and exclusive projections: a request to which both kinds apply fails, as on App Services',
    )
  }
  return { roles, filters, notes: [...notes] }
}

/** `include` for `{ a: 1 }`, `exclude` for `{ a: 0 }`; `_id` alone decides nothing. */
export const projectionKind = (
  projection: Document | undefined,
): 'include' | 'exclude' | undefined => {
  if (!projection) return undefined
  const decisive = Object.entries(projection).filter(([key]) => key !== '_id')
  const [first] = decisive
  if (!first) return projection._id === 0 || projection._id === false ? 'exclude' : undefined
  return first[1] === 0 || first[1] === false ? 'exclude' : 'include'
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
