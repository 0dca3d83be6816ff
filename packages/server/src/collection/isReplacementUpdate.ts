import { mongoError } from './mongoError'
import { isPlainObject } from './isPlainObject'

/**
 * Whether an update is a whole replacement document: fields and no update operators. MongoDB's
 * drivers refuse one in updateOne, updateMany and findOneAndUpdate; App Services took it as a
 * replacement of each matched document (realm-web's own integration suite updates with
 * `{ name: "Alison" }` and expects it to succeed), so this server does too. An update that mixes
 * operators and fields is refused, as both refused it; `{}` is left to the operators' check,
 * which refuses it rather than empty a document.
 */
export const isReplacementUpdate = (update: unknown): update is Record<string, unknown> => {
  if (!isPlainObject(update)) return false
  const keys = Object.keys(update)
  const operators = keys.filter((key) => key.startsWith('$')).length
  if (operators > 0 && operators < keys.length) {
    throw mongoError(
      'the update mixes update operators and fields: use operators such as { "$set": {...} }, or a whole replacement document',
    )
  }
  return keys.length > 0 && operators === 0
}
