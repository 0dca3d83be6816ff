/** What the write path tells the feed's trigger about the write in its transaction. */
export interface WriteSettings {
  /** Every update in the transaction replaces whole documents: the events say `replace`. */
  readonly replacing: boolean
  /**
   * The writer wakes the feed's readers itself once the transaction commits (the feed's
   * `announce`), so the trigger sends no NOTIFY: PostgreSQL serialises the commits of all the
   * transactions that notify, which would make every write wait for the others' commits.
   */
  readonly announced: boolean
  /**
   * The write's depth in a chain of database triggers (`FeedChange.depth`); 0 or absent for a
   * write no trigger function made.
   */
  readonly depth?: number
}

/**
 * SQL expressions for the SELECT list of the write's first statement (no round trip of their
 * own): transaction-local settings the trigger of migration 100 reads. A plain SQL write sets
 * none: its events say `update`, and the trigger notifies at its commit.
 */
export const writeSettingsSql = (settings: WriteSettings): string[] => [
  ...(settings.replacing ? ["set_config('change_feed.operation', 'replace', true)"] : []),
  ...(settings.announced ? ["set_config('change_feed.notify', 'after_commit', true)"] : []),
  // An integer the caller computed (never client text), so it is safe in the SQL text.
  ...(settings.depth
    ? [`set_config('change_feed.depth', '${Math.trunc(settings.depth)}', true)`]
    : []),
]
