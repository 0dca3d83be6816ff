import type { StandardSchemaV1 } from '@standard-schema/spec'

/**
 * Custom data that does not match the schema given to `createCustomDataHooks`: the query's
 * `error` (the data is never handed out unchecked) or a write's refusal, with the schema's issues.
 */
export class CustomDataValidationError extends Error {
  // `declare`: set in the constructor, with no class field emitted for it.
  /** The schema's issues: a `message` and the `path` to the offending field. */
  declare readonly issues: readonly StandardSchemaV1.Issue[]

  constructor(issues: readonly StandardSchemaV1.Issue[], what = 'custom data') {
    const listed = issues.map(
      ({ path = [], message }) =>
        `${path.map((key) => String(typeof key === 'object' ? key.key : key)).join('.')}: ${message}`,
    )
    super(`react-custom-data: ${what} does not match the schema: ${listed.join('; ')}`)
    this.name = 'CustomDataValidationError'
    this.issues = issues
  }
}
