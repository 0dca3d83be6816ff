import type { CustomUserDataConfig } from '../appFolder/AppConfig'
import { encodeRelaxed } from '../ejson/ejsonCodec'
import { fromStored } from '../collection/documentCodec'
import type { Queryable } from '../store/Store'

/**
 * Reads a user's custom-data document as relaxed EJSON, ready for the `user_data` claim; undefined
 * when custom data is off or the user has no document. When several documents match, the first
 * inserted wins (PROTOCOL.md §8.2).
 */
export const readCustomData = async (
  db: Queryable,
  config: CustomUserDataConfig | null,
  userId: string,
): Promise<unknown> => {
  if (!config) return undefined
  const [row] = await db.query<{ doc: unknown }>(
    `SELECT doc FROM documents
      WHERE db = $1 AND coll = $2 AND doc #>> $3::text[] = $4
      ORDER BY seq LIMIT 1`,
    [config.databaseName, config.collectionName, config.userIdField.split('.'), userId],
  )
  return row ? encodeRelaxed(fromStored(row.doc)) : undefined
}
