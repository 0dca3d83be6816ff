import type { CustomData } from '@react-custom-data/client'
import type { QueryClient, QueryKey } from '@tanstack/react-query'
import { getOrCreate } from './getOrCreate'

/** How an optimistic patch changes the document; the default mirrors `$set` of top-level fields. */
export type ApplyPatch<TData, TPatch> = (data: TData, patch: TPatch) => TData

interface PendingPatch {
  readonly patch: unknown
  readonly apply: ApplyPatch<unknown, unknown>
}

// Optimistic writes still in flight, per QueryClient and custom-data query, oldest first.
// Whatever sets the query's data (a new token, a refresh, a write that settled) lays these over
// the confirmed document, so one write settling never drops or clobbers another's pending patch.
const registry = new WeakMap<QueryClient, Map<string, Set<PendingPatch>>>()

const pendingFor = (queryClient: QueryClient, key: QueryKey): Set<PendingPatch> =>
  getOrCreate(
    getOrCreate(registry, queryClient, () => new Map<string, Set<PendingPatch>>()),
    String(key),
    () => new Set(),
  )

export const mergeFields: ApplyPatch<unknown, unknown> = (data, patch) => ({
  ...(data as CustomData),
  ...(patch as CustomData),
})

/** The confirmed document with every pending optimistic patch applied, oldest first. */
export const withPendingPatches = <TData>(
  queryClient: QueryClient,
  key: QueryKey,
  confirmed: TData,
): TData =>
  [...pendingFor(queryClient, key)].reduce<unknown>(
    (data, pending) => pending.apply(data, pending.patch),
    confirmed,
  ) as TData

/** Registers a pending patch; returns the function that removes it once the write settles. */
export const addPendingPatch = (
  queryClient: QueryClient,
  key: QueryKey,
  pending: PendingPatch,
): (() => void) => {
  const patches = pendingFor(queryClient, key).add(pending)
  return () => patches.delete(pending)
}
