import { EJSON } from 'bson'
import type { CollectionAccess } from './CollectionAccess'
import {
  projectionKind,
  type CollectionRules,
  type FieldRules,
  type RuleFilter,
  type RuleRole,
} from './CollectionRules'
import { andThen, every, findFirst, some } from './decide'
import type { Document } from './documentCodec'
import { isPlainObject } from './isPlainObject'
import { project } from './mingoQueries'
import { invalidParameter } from './mongoError'
import type {
  BoundRuleExpression,
  MaybePromise,
  RuleContext,
  RuleDocuments,
  RuleExpression,
} from './ruleExpression'

/** What a role lets through for fields `fields` does not name (nested documents: nothing). */
interface Additional {
  readonly read: RuleExpression | undefined
  readonly write: RuleExpression | undefined
}

/** The field permissions that apply at one level of a document. */
interface FieldScope {
  readonly fields: FieldRules
  readonly additional: Additional
}

const NOTHING: Additional = { read: undefined, write: undefined }

const fieldScopeOf = (role: RuleRole): FieldScope => ({
  fields: role.fields,
  additional: { read: role.additionalRead, write: role.additionalWrite },
})

/** The filters that apply to this caller, worked out once per operation. */
interface ActiveFilters {
  readonly query: Document | undefined
  readonly projection: Document | undefined
}

const same = (a: unknown, b: unknown): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    EJSON.stringify(a, { relaxed: false }) === EJSON.stringify(b, { relaxed: false }))

const keysOf = (value: unknown): string[] => (isPlainObject(value) ? Object.keys(value) : [])

/**
 * The rules of one collection, bound to one caller: App Services' role evaluation per document
 * (rules/roles). A document's role is the first whose `apply_when` holds for it; a document with
 * no role is invisible.
 * - Reading: `document_filters` decide whether the role's permissions may be evaluated at all;
 *   document-level `read` or `write` shows the whole document; otherwise each field shows when
 *   its `fields` entry (or `additional_fields`) lets the caller read or write it, an embedded
 *   document's fields by their own entries. A document of which nothing shows is invisible;
 *   `_id` shows whenever the document does.
 * - Writing: every field a write adds, changes or removes must be writable (document-level
 *   `write`, else field by field); inserts then need `insert`, deletes `delete` (both default to
 *   true). Updates are checked with the role of the document before and after the change, so a
 *   document cannot be moved out of its writer's reach (or into someone else's).
 * - Filters add their query to every request while their `apply_when` holds, and their projection
 *   to every document read.
 */
export const createRuleAccess = (
  rules: CollectionRules,
  context: RuleContext,
  name: string,
): CollectionAccess => {
  // Each expression is bound to this caller once, when first needed: what depends only on the
  // caller is then worked out once per operation, not once per document.
  const bound = new Map<RuleExpression, BoundRuleExpression>()
  const check = (
    expression: RuleExpression | undefined,
    documents: RuleDocuments,
  ): MaybePromise<boolean> => {
    if (expression === undefined) return false
    let binding = bound.get(expression)
    if (!binding) {
      binding = expression.bind(context)
      bound.set(expression, binding)
    }
    return binding.test(documents)
  }

  const roleFor = (doc: Document): MaybePromise<RuleRole | undefined> =>
    findFirst(rules.roles, (role) => check(role.applyWhen, { root: doc }))

  let filters: MaybePromise<ActiveFilters> | undefined
  const activeFilters = (): MaybePromise<ActiveFilters> =>
    (filters ??= andThen(applyingFilters(), (active) => combineFilters(active, context, name)))
  const applyingFilters = (): MaybePromise<RuleFilter[]> => {
    const applying: RuleFilter[] = []
    const steps = rules.filters.map(
      (filter) => () =>
        andThen(check(filter.applyWhen, {}), (holds) => {
          if (holds) applying.push(filter)
          return true
        }),
    )
    return andThen(every(steps), () => applying)
  }

  /** Whether the role's read permissions may be evaluated for the document (document_filters). */
  const readGate = (role: RuleRole, doc: Document): MaybePromise<boolean> =>
    role.readFilter === undefined && role.writeFilter === undefined
      ? true
      : some([
          () => (role.readFilter ? check(role.readFilter, { root: doc }) : false),
          () => (role.writeFilter ? check(role.writeFilter, { root: doc }) : false),
        ])
  const writeGate = (role: RuleRole, doc: Document): MaybePromise<boolean> =>
    role.writeFilter === undefined ? true : check(role.writeFilter, { root: doc })

  /** The readable part of `value` (a document or an embedded one), or null when nothing is. */
  const readableFields = (
    value: Document,
    { fields, additional }: FieldScope,
    scope: { root: Document; writes: boolean; top: boolean },
  ): MaybePromise<Document | null> => {
    const out: Document = {}
    let shown = 0
    const keys = Object.keys(value)
    const steps = keys.map((key) => (): MaybePromise<boolean> => {
      const item = value[key]
      if (scope.top && key === '_id') {
        out[key] = item
        return true
      }
      const rule = fields.get(key)
      const documents = { root: scope.root, prevRoot: scope.root, this: item, prev: item }
      const readable = some([
        () => check(rule ? rule.read : additional.read, documents),
        () => scope.writes && check(rule ? rule.write : additional.write, documents),
      ])
      return andThen(readable, (yes) => {
        if (yes) {
          out[key] = item
          shown += 1
          return true
        }
        if (!rule || rule.fields.size === 0 || !isPlainObject(item)) return true
        const nested = { fields: rule.fields, additional: NOTHING }
        return andThen(readableFields(item, nested, { ...scope, top: false }), (sub) => {
          if (sub) {
            out[key] = sub
            shown += 1
          }
          return true
        })
      })
    })
    return andThen(every(steps), () => {
      if (shown > 0) return out
      // A document with no field of its own shows when unnamed fields would.
      const ownFields = keys.filter((key) => !(scope.top && key === '_id'))
      if (ownFields.length > 0 || !scope.top) return null
      return andThen(
        some([
          () => check(additional.read, { root: scope.root }),
          () => scope.writes && check(additional.write, { root: scope.root, prevRoot: scope.root }),
        ]),
        (yes) => (yes ? out : null),
      )
    })
  }

  /** Whether every field that differs between `before` and `after` may be written. */
  const writableChanges = (
    { before, after }: { before: Document; after: Document },
    { fields, additional }: FieldScope,
    scope: { root: Document; prevRoot: Document | undefined; top: boolean },
  ): MaybePromise<boolean> => {
    const keys = [...new Set([...keysOf(before), ...keysOf(after)])]
    return every(
      keys.map((key) => (): MaybePromise<boolean> => {
        // The _id is generated or fixed: never a field write of its own.
        if (scope.top && key === '_id') return true
        const was = before[key]
        const is = after[key]
        if (same(was, is)) return true
        const rule = fields.get(key)
        const documents = { root: scope.root, prevRoot: scope.prevRoot, this: is, prev: was }
        return some([
          () => check(rule ? rule.write : additional.write, documents),
          () => {
            if (!rule || rule.fields.size === 0) return false
            const embedded = (value: unknown) =>
              value === undefined ? {} : isPlainObject(value) ? value : undefined
            const from = embedded(was)
            const to = embedded(is)
            if (!from || !to) return false
            return writableChanges(
              { before: from, after: to },
              { fields: rule.fields, additional: NOTHING },
              { ...scope, top: false },
            )
          },
        ])
      }),
    )
  }

  /**
   * Whether `role` lets the caller turn `before` into `after` (`{}` for an insert's before, a
   * delete's after): document filters, then document-level `write`, else field by field.
   */
  const writable = (
    role: RuleRole,
    change: { before: Document; after: Document; gate: Document },
    documents: { root: Document; prevRoot: Document | undefined },
  ): MaybePromise<boolean> =>
    every([
      () => writeGate(role, change.gate),
      () =>
        some([
          () => check(role.write, documents),
          () => writableChanges(change, fieldScopeOf(role), { ...documents, top: true }),
        ]),
    ])

  const read = (doc: Document): MaybePromise<Document | null> =>
    andThen(roleFor(doc), (role) => {
      if (!role) return null
      return andThen(readGate(role, doc), (gated) => {
        if (!gated) return null
        return andThen(writeGate(role, doc), (writes) => {
          const whole = some([
            () => check(role.read, { root: doc }),
            // Write permission implies read; a stored document is its own %%prevRoot.
            () => writes && check(role.write, { root: doc, prevRoot: doc }),
          ])
          const visible = andThen(whole, (yes) =>
            yes ? doc : readableFields(doc, fieldScopeOf(role), { root: doc, writes, top: true }),
          )
          return andThen(visible, (shown) =>
            shown === null
              ? null
              : andThen(activeFilters(), ({ projection }) =>
                  projection ? (project([shown], projection)[0] ?? null) : shown,
                ),
          )
        })
      })
    })

  return {
    name,
    queryFilter: () => andThen(activeFilters(), ({ query }) => query),
    read,
    canInsert: (doc) =>
      andThen(roleFor(doc), (role) =>
        role === undefined
          ? false
          : every([
              () =>
                writable(
                  role,
                  { before: {}, after: doc, gate: doc },
                  { root: doc, prevRoot: undefined },
                ),
              () => check(role.insert, { root: doc }),
            ]),
      ),
    canUpdate: (before, after) =>
      every([
        () =>
          andThen(roleFor(before), (role) =>
            role === undefined
              ? false
              : writable(role, { before, after, gate: before }, { root: before, prevRoot: before }),
          ),
        () =>
          andThen(roleFor(after), (role) =>
            role === undefined
              ? false
              : writable(role, { before, after, gate: after }, { root: after, prevRoot: before }),
          ),
      ]),
    canDelete: (doc) =>
      andThen(roleFor(doc), (role) =>
        role === undefined
          ? false
          : every([
              () =>
                writable(role, { before: doc, after: {}, gate: doc }, { root: doc, prevRoot: doc }),
              () => check(role.delete, { root: doc }),
            ]),
      ),
  }
}

/** The query and projection of the filters that apply (rules/filters). */
const combineFilters = (
  applying: readonly RuleFilter[],
  context: RuleContext,
  name: string,
): MaybePromise<ActiveFilters> => {
  const projections = applying.flatMap((filter) => (filter.projection ? [filter.projection] : []))
  const kinds = new Set(projections.map(projectionKind).filter((kind) => kind !== undefined))
  if (kinds.size > 1) {
    throw invalidParameter(
      `the filters of ${name} that apply mix inclusive and exclusive projections; App Services refuses such a request too`,
    )
  }
  const projection =
    projections.length === 0 ? undefined : (Object.assign({}, ...projections) as Document)
  const resolved = applying.map((filter) => filter.query.resolve(context))
  const combine = (queries: unknown[]): ActiveFilters => {
    const conditions = queries.filter(
      (query): query is Document => isPlainObject(query) && Object.keys(query).length > 0,
    )
    return {
      query:
        conditions.length === 0
          ? undefined
          : conditions.length === 1
            ? conditions[0]
            : { $and: conditions },
      projection,
    }
  }
  return resolved.some((query) => query instanceof Promise)
    ? Promise.all(resolved).then(combine)
    : combine(resolved)
}
