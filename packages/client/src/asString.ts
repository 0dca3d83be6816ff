/** The value if it is a string, else `undefined`: reads one field of an untrusted answer. */
export const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined
