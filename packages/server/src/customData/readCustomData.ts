import type { CustomDataLocation } from '../collection/CustomDataLocation'
import { userIdExpression } from '../collection/userIdIndex'
import { encodeRelaxed } from '../ejson/ejsonCodec'
import { fromStored } from '../collection/documentCodec'
import type { Queryable } from '../store/Store'

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`

/**
 * A scalar subquery that selects the custom-data document of the user whose id is the SQL
 * expression `userIdSql` (first inserted wins), as text with its fields in their written order.
 * The field path is written literally so the expression index on it serves the lookup; database
 * and collection names are quoted literals.
 */
export const customDataSubquery = (config: CustomDataLocation, userIdSql: string): string =>
  `(SELECT coalesce(doc_text, doc::text) FROM documents
     WHERE db = ${quote(config.databaseName)} AND coll = ${quote(config.collectionName)}
       AND ${userIdExpression(config.userIdField)} = ${userIdSql}
     ORDER BY seq LIMIT 1)`

/**
 * A stored custom-data document as the relaxed EJSON the `user_data` claim carries (§17.4), its
 * fields in the order they were written.
 */
export const customDataClaim = (stored: unknown): unknown =>
  stored === null || stored === undefined ? undefined : encodeRelaxed(fromStored(stored))

/**
 * Reads a user's custom-data document as relaxed EJSON, ready for the `user_data` claim; undefined
 * when custom data is off or the user has no document. When several documents match, the first
 * inserted wins (docs/protocol.md §8.2).
 */
export const readCustomData = async (
  db: Queryable,
  config: CustomDataLocation | null,
  userId: string,
): Promise<unknown> => {
  if (!config) return undefined
  const [row] = await db.query<{ doc: unknown }>(
    `SELECT ${customDataSubquery(config, '$1')} AS doc`,
    [userId],
  )
  return customDataClaim(row?.doc)
}
