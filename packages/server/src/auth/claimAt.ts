/**
 * The value at a dotted `path` in a token's or profile's claims (`"user_metadata.plan"`), or
 * undefined: how `metadata_fields` name the claims they copy into a user's profile. Only own
 * properties are followed, so a path never reaches into a prototype.
 */
export const claimAt = (claims: Readonly<Record<string, unknown>>, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null && Object.hasOwn(node, key)
          ? (node as Record<string, unknown>)[key]
          : undefined,
      claims,
    )
