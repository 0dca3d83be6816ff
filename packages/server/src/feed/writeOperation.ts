import type { Queryable } from '../store/Store'

/**
 * Tells the feed's trigger that the updates of `documents` in this transaction replace whole
 * documents (replaceOne and its kin), so their events say `replace` rather than `update`. The
 * setting lives until the transaction ends; a plain SQL UPDATE, which sets nothing, is `update`.
 */
export const markReplacement = async (tx: Queryable): Promise<void> => {
  await tx.query("SELECT set_config('change_feed.operation', 'replace', true)")
}
