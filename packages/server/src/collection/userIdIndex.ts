import { createHash } from 'node:crypto'
import type { Queryable } from '../store/Store'

/** The path as a PostgreSQL text[] literal inside SQL: `'{"a","b"}'`, quotes escaped. */
const pathLiteral = (field: string): string => {
  const elements = field
    .split('.')
    .map((segment) => `"${segment.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
  return `'{${elements.join(',').replace(/'/g, "''")}}'`
}

/**
 * The SQL expression for a document's user-id field, written literally so that the expression
 * index below serves every query that uses it (a parameter in its place would not be indexable).
 */
export const userIdExpression = (field: string): string => `(doc #>> ${pathLiteral(field)})`

const indexName = (field: string): string =>
  `documents_user_id_${createHash('sha256').update(field).digest('hex').slice(0, 12)}`

/**
 * Creates the expression index on the custom-data collection's user-id field, if missing:
 * `(db, coll, doc #>> '{<field>}')`. The field comes from the app folder, so the index is made
 * when a server starts rather than by a migration; servers starting together may race, which
 * the duplicate-name error shows and which is harmless.
 */
export const ensureUserIdIndex = async (db: Queryable, field: string): Promise<void> => {
  try {
    await db.query(
      `CREATE INDEX IF NOT EXISTS ${indexName(field)} ON documents (db, coll, ${userIdExpression(field)})`,
    )
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code !== '42P07' && code !== '23505') throw error
  }
}
