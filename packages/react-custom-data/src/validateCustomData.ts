import type { StandardSchemaV1 } from '@standard-schema/spec'
import { CustomDataValidationError } from './CustomDataValidationError'

/**
 * Runs a Standard Schema (zod, valibot, arktype, ...) on a document, synchronously: custom data
 * renders from the token without waiting, so an async schema is refused with a clear error.
 */
export const validateCustomData = <TSchema extends StandardSchemaV1>(
  schema: TSchema,
  value: unknown,
  what?: string,
): StandardSchemaV1.InferOutput<TSchema> => {
  const result = schema['~standard'].validate(value)
  if (result instanceof Promise) {
    throw new Error(
      process.env.NODE_ENV !== 'production'
        ? 'react-custom-data: the custom-data schema validates asynchronously; custom data renders from the token at once, so use a synchronous schema (no async refinements or transforms)'
        : 'react-custom-data: async schema',
    )
  }
  if (result.issues) throw new CustomDataValidationError(result.issues, what)
  return result.value
}
