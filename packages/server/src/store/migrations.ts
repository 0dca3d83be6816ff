/**
 * The schema, as ordered migrations. Each runs once, inside a transaction, and is recorded in
 * `schema_migrations`; a migration that has shipped is never edited, only followed by another.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: /* sql */ `
      CREATE TABLE users (
        id text PRIMARY KEY,
        type text NOT NULL DEFAULT 'normal',
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL
      );

      CREATE TABLE identities (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider_type text NOT NULL,
        provider_id text NOT NULL,
        external_id text NOT NULL,
        provider_data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        UNIQUE (provider_type, external_id)
      );
      CREATE INDEX identities_user_id ON identities (user_id);

      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        identity_id text,
        device_id text NOT NULL,
        refresh_token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE INDEX sessions_user_id ON sessions (user_id);

      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        private_jwk jsonb NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        retired_at timestamptz
      );

      -- Documents of the MongoDB-style collection API, stored as canonical EJSON so that
      -- ObjectId, Date, Long and Decimal128 survive. seq keeps insertion order: when several
      -- documents match a custom-data lookup, the first inserted wins (PROTOCOL.md §8.2).
      CREATE TABLE documents (
        seq bigserial PRIMARY KEY,
        db text NOT NULL,
        coll text NOT NULL,
        id text NOT NULL,
        doc jsonb NOT NULL,
        UNIQUE (db, coll, id)
      );
    `,
  },
]
