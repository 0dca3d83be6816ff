/** One HTTP request autocannon sends again and again. */
export interface BenchRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path and query, e.g. `/api/client/v2.0/auth/session`. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

/** What a scenario gets to prepare its requests: the running server and helpers to call it. */
export interface BenchTarget {
  /** The server's base URL (CLI-started, real port). */
  readonly url: string
  readonly appId: string
  readonly storeKind: 'pglite' | 'postgres'
  /** POSTs JSON under `/api/client/v2.0` and returns the parsed answer; throws on a non-2xx. */
  post<T = Record<string, unknown>>(path: string, body?: unknown, token?: string): Promise<T>
  /** Logs in a new anonymous user (`options.refreshTokenRotation` off, as realm-web). */
  anonymousLogin(): Promise<{ access_token: string; refresh_token: string; user_id: string }>
  /** A fresh email/password user (the bench app confirms at once); returns its credentials. */
  passwordUser(): Promise<{ email: string; password: string }>
}

/**
 * A measured workload: `prepare` makes the users and tokens it needs and answers the requests to
 * cycle through. Add one by dropping a module exporting `scenario` into `bench/scenarios/`.
 */
export interface BenchScenario {
  /** Short name in the report, e.g. `refresh`. */
  readonly name: string
  /** What one request is, for the report: `refreshes/s`, `logins/s`. */
  readonly unit: string
  /** The order scenarios run in (low first); state left by one must not skew the next. */
  readonly order?: number
  /** Absent for a scenario measured in process only (`inProcess`). */
  prepare?(target: BenchTarget): Promise<readonly BenchRequest[]>
  /**
   * Optional figures measured in process in the same run (a worker round trip, a query), printed
   * under the table next to the HTTP numbers.
   */
  inProcess?(storeKind: BenchTarget['storeKind']): Promise<readonly BenchFigure[]>
}

/** One extra figure of a scenario: `{ label: 'worker round trip', value: 0.21, unit: 'ms' }`. */
export interface BenchFigure {
  readonly label: string
  readonly value: number
  readonly unit: string
}
