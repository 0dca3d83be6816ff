// The package root registers every operator; the sub-entries would start with none.
import { Aggregator, Query } from 'mingo'
import { MingoError } from 'mingo/util'
import type { Document } from './documentCodec'
import { mongoError } from './mongoError'
import { toFilterView } from './filterView'
import { toQueryView } from './queryView'

// No server-side JavaScript ($where, $function, $accumulator): filters come from clients too.
const OPTIONS = { scriptEnabled: false, useStrictMode: true } as const

/**
 * Runs mingo, turning its refusals (unknown operator, bad argument, a regular expression that does
 * not compile) into MongoDB-style errors: they are the caller's mistakes, never a 500.
 */
export const withMingo = <T>(run: () => T): T => {
  try {
    return run()
  } catch (error) {
    if (
      error instanceof MingoError ||
      error instanceof TypeError ||
      error instanceof RangeError ||
      error instanceof SyntaxError
    ) {
      throw mongoError(error.message)
    }
    throw error
  }
}

/** A compiled filter: tests a document's query view (see `toQueryView`). */
export type DocumentTest = (view: unknown) => boolean

export const compileFilter = (filter: Document): DocumentTest => {
  if (Object.keys(filter).length === 0) return () => true
  const query = withMingo(() => new Query(toFilterView(filter) as Document, OPTIONS))
  return (view) => withMingo(() => query.test(view as Document))
}

/** One document with its query view, so sorting and matching never lose the exact original. */
export interface Viewed {
  readonly doc: Document
  readonly view: Document
}

export const viewOf = (doc: Document): Viewed => ({ doc, view: toQueryView(doc) as Document })

/** Sort order as MongoDB gives it: `{ field: 1 | -1, ... }`. */
export const checkSort = (sort: unknown): Record<string, 1 | -1> | undefined => {
  if (sort === undefined || sort === null) return undefined
  if (typeof sort !== 'object' || Array.isArray(sort)) {
    throw mongoError('sort must be an object such as { "field": 1 }')
  }
  for (const [key, value] of Object.entries(sort)) {
    if (value !== 1 && value !== -1) {
      throw mongoError(`sort direction for "${key}" must be 1 or -1`)
    }
  }
  return sort as Record<string, 1 | -1>
}

/** Sorts by the views, in a stable way (ties keep natural order, as MongoDB's does in practice). */
export const sortViewed = (items: readonly Viewed[], sort: Record<string, 1 | -1>): Viewed[] => {
  if (Object.keys(sort).length === 0) return [...items]
  const byView = new Map<Document, Viewed>(items.map((item) => [item.view, item]))
  const sorted = withMingo(() =>
    new Query({}, OPTIONS)
      .find(items.map((item) => item.view))
      .sort(sort)
      .all(),
  )
  return sorted.map((view) => byView.get(view as Document) as Viewed)
}

/** Applies a MongoDB projection (`{ a: 1 }`, `{ b: 0 }`, `$slice`, `$elemMatch`) to documents. */
export const project = (docs: readonly Document[], projection: unknown): Document[] => {
  if (projection === undefined || projection === null) return [...docs]
  if (typeof projection !== 'object' || Array.isArray(projection)) {
    throw mongoError('projection must be an object such as { "field": 1 }')
  }
  if (Object.keys(projection).length === 0) return [...docs]
  return withMingo(
    () =>
      new Query({}, OPTIONS).find(docs as Document[], projection as Document).all() as Document[],
  )
}

// Stages that read or write other collections would bypass rules and transactions here.
const UNSUPPORTED_STAGES = new Set(['$lookup', '$graphLookup', '$unionWith', '$out', '$merge'])

/** Runs an aggregation pipeline over documents' query views. */
export const aggregateViews = (views: readonly Document[], pipeline: unknown): Document[] => {
  if (!Array.isArray(pipeline)) throw mongoError('aggregate needs a pipeline: an array of stages')
  for (const stage of pipeline as unknown[]) {
    if (typeof stage !== 'object' || stage === null || Array.isArray(stage)) {
      throw mongoError('each pipeline stage must be an object such as { "$match": {...} }')
    }
    const [name] = Object.keys(stage)
    if (Object.keys(stage).length !== 1 || !name?.startsWith('$')) {
      throw mongoError('each pipeline stage must have exactly one $-operator key')
    }
    if (UNSUPPORTED_STAGES.has(name)) {
      throw mongoError(`the ${name} stage is not supported: it would read another collection`)
    }
  }
  return withMingo<Document[]>(() =>
    new Aggregator(toFilterView(pipeline) as Document[], OPTIONS).run([...views]),
  )
}
