/** PostgreSQL's `unique_violation` (23505), from either driver: a row that already exists. */
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
