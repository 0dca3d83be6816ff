/** Something SQL can run on: the store itself, or a transaction inside it. */
export interface Queryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query: <TRow = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ) => Promise<TRow[]>
  /** Runs a script of several statements with no parameters (migrations). */
  exec: (sql: string) => Promise<void>
}

/** What `Store.listen` calls: for each notification, and after a lost listening connection is back. */
export interface NotificationListener {
  /** A `NOTIFY` on the channel committed, with its payload. */
  onNotify(payload: string): void
  /**
   * The listening connection was lost and is back: notifications sent meanwhile are gone, so a
   * listener that relies on them must look for itself what changed.
   */
  onReconnect?(): void
}

/**
 * The server's database: PGlite (embedded) or PostgreSQL, behind one interface so the rest of the
 * server and its tests never know which one they run on.
 */
export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /**
   * Listens to `NOTIFY`s on `channel` (any string; it is quoted as one identifier): in process on
   * PGlite, over one dedicated, reconnecting connection on PostgreSQL, so notifications from every
   * process on the database arrive. Resolves once listening, with the function that stops it.
   */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>
  /** Answers whether the database responds (for `/health/ready`). */
  ping(): Promise<boolean>
  /** Flushes and closes the database. Safe to call twice. */
  close(): Promise<void>
}
