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
      -- documents match a custom-data lookup, the first inserted wins (docs/protocol.md §8.2).
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
  {
    version: 2,
    name: 'auth: rotation chains, email/password, API keys, server secrets',
    sql: /* sql */ `
      -- Every refresh token a session ever had, as SHA-256. Rotation (docs/protocol.md §17.1) keeps
      -- the rotated-out ones so that a reuse is recognised, and revokes the session for it.
      CREATE TABLE refresh_tokens (
        hash text PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        rotated_at timestamptz
      );
      CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
      INSERT INTO refresh_tokens (hash, session_id, created_at)
        SELECT refresh_token_hash, id, created_at FROM sessions;
      ALTER TABLE sessions DROP COLUMN refresh_token_hash;
      ALTER TABLE sessions ADD COLUMN rotating boolean NOT NULL DEFAULT false;
      -- Opened by the anon-user provider: its tokens say is_anonymous (kept here so that a refresh
      -- reads one row less).
      ALTER TABLE sessions ADD COLUMN anonymous boolean NOT NULL DEFAULT false;
      UPDATE sessions s SET anonymous = true FROM identities i
       WHERE i.id = s.identity_id AND i.provider_type = 'anon-user';
      ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
      UPDATE sessions SET last_used_at = created_at;

      -- local-userpass accounts. user_id stays null while the account waits for confirmation:
      -- App Services creates the user only once it is confirmed.
      CREATE TABLE userpass_accounts (
        email text PRIMARY KEY,
        password_hash text NOT NULL,
        user_id text UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        confirmed_at timestamptz
      );

      -- Confirmation and reset tokens (the token itself only as SHA-256). A reset token may
      -- carry the new password's hash when a reset function answered "pending".
      CREATE TABLE userpass_tokens (
        id text PRIMARY KEY,
        email text NOT NULL REFERENCES userpass_accounts (email) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('confirm', 'reset')),
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX userpass_tokens_email ON userpass_tokens (email);

      -- User API keys and server API keys (whose user has type 'server'). Only the SHA-256 of
      -- a key is kept; the key itself is shown once, when it is created.
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        UNIQUE (user_id, name)
      );

      -- Secrets the server generates for itself on first start (the refresh-token rotation key).
      CREATE TABLE server_secrets (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'local-userpass: a confirmation link carries the password of its registration',
    sql: /* sql */ `
      -- Confirming a link sets the password registered with it, so that someone who registered
      -- an address first (a pending account) cannot have the owner confirm their password.
      ALTER TABLE userpass_tokens ADD COLUMN password_hash text;
    `,
  },
  {
    version: 4,
    name: 'local-userpass: failed logins per account, for the per-account backoff',
    sql: /* sql */ `
      -- Keyed by the lower-cased address as typed, whether or not an account has it, so that a
      -- pause says nothing about which addresses exist.
      CREATE TABLE login_failures (
        account_key text PRIMARY KEY,
        failures integer NOT NULL,
        last_failure_at timestamptz NOT NULL,
        blocked_until timestamptz
      );
    `,
  },
  {
    version: 50,
    name: 'documents: indexes for the collection API',
    sql: /* sql */ `
      -- Equality filters on any field narrow through containment (doc @> '{"f": "v"}'), and
      -- scans of one collection read it in insertion order (MongoDB's natural order).
      CREATE INDEX documents_doc_path_ops ON documents USING gin (doc jsonb_path_ops);
      CREATE INDEX documents_db_coll_seq ON documents (db, coll, seq);
    `,
  },
  {
    version: 100,
    name: 'documents: the written field order, and the change feed',
    sql: /* sql */ `
      -- The document as it was written (canonical EJSON text, fields in their written order):
      -- jsonb keeps the queried form but orders keys by length. A write that changes doc and not
      -- doc_text (plain SQL) clears it, and readers fall back to doc.
      ALTER TABLE documents ADD COLUMN doc_text text;
      CREATE FUNCTION documents_forget_text() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.doc_text := NULL;
        RETURN NEW;
      END $$;
      CREATE TRIGGER documents_forget_text BEFORE UPDATE ON documents FOR EACH ROW
        WHEN (NEW.doc IS DISTINCT FROM OLD.doc AND NEW.doc_text IS NOT DISTINCT FROM OLD.doc_text)
        EXECUTE FUNCTION documents_forget_text();

      -- The change feed: one row per changed document, written by the trigger below in the
      -- transaction of the change, whoever made it (the collection API, a plain SQL UPDATE).
      -- txid is that transaction's id: a batch (change_batches) holds the events of the
      -- transactions that committed between two snapshots, so readers never pass an event whose
      -- transaction commits after a later-numbered one (feed/readChanges.ts).
      CREATE TABLE change_events (
        seq bigserial PRIMARY KEY,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        db text NOT NULL,
        coll text NOT NULL,
        doc_id text NOT NULL,
        op text NOT NULL CHECK (op IN ('insert', 'update', 'replace', 'delete')),
        before_text text,
        after_text text
      );
      CREATE INDEX change_events_txid ON change_events (txid);

      -- Batch n holds the events of the transactions visible in its snapshot (upto = xmax,
      -- running = the xip list) and not in batch n - 1's. Batch 0 predates every event.
      CREATE TABLE change_batches (
        batch bigint PRIMARY KEY,
        upto xid8 NOT NULL,
        running xid8[] NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO change_batches (batch, upto, running)
        SELECT 0, pg_snapshot_xmax(s), ARRAY(SELECT pg_snapshot_xip(s))
          FROM (SELECT pg_current_snapshot() AS s) AS now_;

      -- Durable consumers (triggers): what each has passed. Events are pruned only once every
      -- one of them has.
      CREATE TABLE change_cursors (
        name text PRIMARY KEY,
        batch bigint NOT NULL,
        seq bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- The NOTIFY channel of the feed in a schema: apps sharing a database do not hear each other.
      CREATE FUNCTION change_feed_channel(schema_name text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
          SELECT 'change_feed_' || CASE WHEN schema_name ~ '^[a-z0-9_]{1,48}$'
                                        THEN schema_name ELSE md5(schema_name) END
        $$;

      -- The schema's name is written into the function (a SET search_path on it would double the
      -- trigger's cost), so a plain SQL UPDATE from a session with another search_path still
      -- lands its event next to the document.
      DO $migration$
      BEGIN
        EXECUTE format($function$
          CREATE FUNCTION record_document_change() RETURNS trigger LANGUAGE plpgsql AS $body$
          BEGIN
            IF TG_OP = 'INSERT' THEN
              INSERT INTO %1$I.change_events (db, coll, doc_id, op, after_text)
                VALUES (NEW.db, NEW.coll, NEW.id, 'insert', coalesce(NEW.doc_text, NEW.doc::text));
            ELSIF TG_OP = 'DELETE' THEN
              INSERT INTO %1$I.change_events (db, coll, doc_id, op, before_text)
                VALUES (OLD.db, OLD.coll, OLD.id, 'delete', coalesce(OLD.doc_text, OLD.doc::text));
            ELSIF (NEW.db, NEW.coll, NEW.id) IS DISTINCT FROM (OLD.db, OLD.coll, OLD.id) THEN
              -- Moved to another key by hand: one document is gone, another appears.
              INSERT INTO %1$I.change_events (db, coll, doc_id, op, before_text)
                VALUES (OLD.db, OLD.coll, OLD.id, 'delete', coalesce(OLD.doc_text, OLD.doc::text));
              INSERT INTO %1$I.change_events (db, coll, doc_id, op, after_text)
                VALUES (NEW.db, NEW.coll, NEW.id, 'insert', coalesce(NEW.doc_text, NEW.doc::text));
            ELSE
              -- The collection API says 'replace' for replaceOne and its kin (feed/writeSettings.ts).
              INSERT INTO %1$I.change_events (db, coll, doc_id, op, before_text, after_text)
                VALUES (NEW.db, NEW.coll, NEW.id,
                        CASE current_setting('change_feed.operation', true)
                          WHEN 'replace' THEN 'replace' ELSE 'update' END,
                        coalesce(OLD.doc_text, OLD.doc::text), coalesce(NEW.doc_text, NEW.doc::text));
            END IF;
            -- Sent at commit, once per transaction (identical notifications are folded), unless
            -- the writer wakes the readers itself after its commit (feed/writeSettings.ts).
            IF current_setting('change_feed.notify', true) IS DISTINCT FROM 'after_commit' THEN
              PERFORM pg_notify(%1$I.change_feed_channel(TG_TABLE_SCHEMA), '');
            END IF;
            RETURN NULL;
          END $body$
        $function$, current_schema());
      END
      $migration$;
      CREATE TRIGGER documents_change_feed AFTER INSERT OR DELETE ON documents
        FOR EACH ROW EXECUTE FUNCTION record_document_change();
      CREATE TRIGGER documents_change_feed_update AFTER UPDATE ON documents FOR EACH ROW
        WHEN ((OLD.db, OLD.coll, OLD.id, OLD.doc, OLD.doc_text)
              IS DISTINCT FROM (NEW.db, NEW.coll, NEW.id, NEW.doc, NEW.doc_text))
        EXECUTE FUNCTION record_document_change();
    `,
  },
  {
    version: 110,
    name: 'documents: a partial index on decimal _ids',
    sql: /* sql */ `
      -- MongoDB matches _id: 1 against Decimal128("1") (and "1.0"...), whose stored keys differ;
      -- the SQL narrowing of a numeric _id therefore also reads every decimal _id, through this
      -- index of those rows alone (empty in nearly every app). Its predicate is the narrowing's.
      CREATE INDEX documents_decimal_ids ON documents (db, coll)
        WHERE id LIKE '{"$numberDecimal"%';
    `,
  },
  {
    version: 111,
    name: 'local-userpass: email addresses in composed Unicode (NFC)',
    sql: /* sql */ `
      -- Addresses are read in NFC from now on (checkCredentialsInput.requireEmail), so that one
      -- typed decomposed (NFD) is the same account. Existing ones are brought to NFC with their
      -- identity, profile and pending tokens (the tokens follow through ON UPDATE CASCADE). Where
      -- the composed form is already an account (the same address was registered twice before),
      -- the decomposed one is left as it is: it can no longer log in, and nothing is merged.
      ALTER TABLE userpass_tokens DROP CONSTRAINT userpass_tokens_email_fkey;
      ALTER TABLE userpass_tokens ADD CONSTRAINT userpass_tokens_email_fkey
        FOREIGN KEY (email) REFERENCES userpass_accounts (email)
        ON DELETE CASCADE ON UPDATE CASCADE;

      CREATE TEMPORARY TABLE email_nfc ON COMMIT DROP AS
        SELECT a.email AS old, normalize(a.email, NFC) AS new
          FROM userpass_accounts a
         WHERE a.email IS NOT NFC NORMALIZED
           AND NOT EXISTS (SELECT 1 FROM userpass_accounts b WHERE b.email = normalize(a.email, NFC))
           AND NOT EXISTS (SELECT 1 FROM identities j WHERE j.provider_type = 'local-userpass'
                             AND j.external_id = normalize(a.email, NFC))
           -- Of several spellings of one address, only the first is moved.
           AND a.email = (SELECT min(c.email) FROM userpass_accounts c
                           WHERE normalize(c.email, NFC) = normalize(a.email, NFC));

      UPDATE userpass_accounts a SET email = m.new FROM email_nfc m WHERE a.email = m.old;
      UPDATE identities i
         SET external_id = m.new,
             provider_data = jsonb_set(i.provider_data, '{email}', to_jsonb(m.new))
        FROM email_nfc m
       WHERE i.provider_type = 'local-userpass' AND i.external_id = m.old;
      UPDATE users u
         SET data = jsonb_set(u.data, '{email}', to_jsonb(m.new))
        FROM email_nfc m JOIN userpass_accounts a ON a.email = m.new
       WHERE u.id = a.user_id AND u.data ->> 'email' = m.old;
    `,
  },
  {
    version: 120,
    name: 'OAuth: redirect flows in progress, and whether a user ever logged in',
    sql: /* sql */ `
      -- One row per sign-in through a provider's page (docs/protocol.md §3.6), keyed by the SHA-256
      -- of the state sent to the provider; used once. browser_hash is the SHA-256 of a cookie the
      -- browser that started the flow holds: the callback must come from that browser.
      CREATE TABLE oauth_flows (
        id text PRIMARY KEY,
        provider text NOT NULL,
        client_state text NOT NULL,
        redirect_uri text NOT NULL,
        callback_uri text NOT NULL,
        code_verifier text NOT NULL,
        nonce text NOT NULL,
        device_id text NOT NULL,
        rotating boolean NOT NULL DEFAULT false,
        link_user_id text REFERENCES users (id) ON DELETE CASCADE,
        link_session_id text,
        browser_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX oauth_flows_expires_at ON oauth_flows (expires_at);

      -- Set at every login. A user created by confirming an email/password account is null here
      -- until its first login: until then its identity may still be linked to another user, as
      -- App Services (which created the user at the first login) allowed. Users from before this
      -- migration count as logged in.
      ALTER TABLE users ADD COLUMN last_login_at timestamptz;
      UPDATE users SET last_login_at = created_at;
    `,
  },
  {
    version: 150,
    name: 'triggers',
    sql: /* sql */ `
      -- The app's triggers as the running servers loaded them (triggers/registerTriggers.ts):
      -- what the authentication-event functions below fan out to, in the user's transaction.
      CREATE TABLE trigger_registry (
        name text PRIMARY KEY,
        type text NOT NULL,
        operation_types text[] NOT NULL DEFAULT '{}',
        providers text[] NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- Events waiting for their trigger's function, one row per (trigger, event). Database
      -- events are copied here from the change feed in feed order (triggers/pumpDatabaseTrigger.ts),
      -- authentication events by the functions below. A row stays until its function succeeded
      -- (then it is deleted) or is skipped; 'failed' rows are parked until retried or skipped.
      -- lease_until/leased_by: the process delivering it, and until when (claimTriggerEvents.ts).
      CREATE TABLE trigger_events (
        id bigserial PRIMARY KEY,
        trigger text NOT NULL,
        payload text NOT NULL,
        state text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        leased_by text,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX trigger_events_trigger ON trigger_events (trigger, id);

      -- Scheduled triggers: the last tick run, claimed by one process per tick.
      CREATE TABLE trigger_ticks (
        name text PRIMARY KEY,
        last_tick timestamptz NOT NULL
      );

      -- The functions keep the schema they were made in (SET search_path FROM CURRENT): an
      -- operator's plain SQL DELETE FROM users, from any search_path, still queues its event.

      -- The user object of App Services' authentication events.
      CREATE FUNCTION trigger_auth_user(uid text, utype text, udata jsonb) RETURNS jsonb
      LANGUAGE sql STABLE SET search_path FROM CURRENT AS $fn$
        SELECT jsonb_build_object(
          'id', uid, 'type', utype, 'data', udata,
          'identities', coalesce((
            SELECT jsonb_agg(jsonb_build_object('id', i.id, 'provider_type', i.provider_type)
                             ORDER BY i.created_at, i.id)
              FROM identities i WHERE i.user_id = uid), '[]'::jsonb))
      $fn$;

      -- Queues one authentication event for every enabled AUTHENTICATION trigger that listens
      -- for it: in the transaction that created, logged in or deleted the user.
      CREATE FUNCTION trigger_auth_event(p_op text, p_providers text[], p_user jsonb) RETURNS void
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        INSERT INTO trigger_events (trigger, payload)
        SELECT r.name, jsonb_build_object(
                 'operationType', p_op,
                 'providers', to_jsonb(p_providers),
                 'user', p_user,
                 'time', jsonb_build_object('$date', jsonb_build_object('$numberLong',
                   floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text)))::text
          FROM trigger_registry r
         WHERE r.type = 'AUTHENTICATION' AND r.enabled
           AND p_op = ANY (r.operation_types) AND r.providers && p_providers;
        -- Wakes the servers' trigger runners (they listen on the change feed's channel) at commit.
        IF FOUND THEN
          PERFORM pg_notify(change_feed_channel(current_schema()), '');
        END IF;
      END
      $fn$;

      -- CREATE: at commit (deferred), when the new user's first identity exists too.
      CREATE FUNCTION trigger_auth_on_create() RETURNS trigger LANGUAGE plpgsql
      SET search_path FROM CURRENT AS $fn$
      DECLARE u users%ROWTYPE;
      BEGIN
        SELECT * INTO u FROM users WHERE id = NEW.id;
        IF FOUND AND EXISTS (SELECT 1 FROM trigger_registry WHERE type = 'AUTHENTICATION' AND enabled) THEN
          PERFORM trigger_auth_event('CREATE',
            ARRAY(SELECT DISTINCT provider_type FROM identities WHERE user_id = u.id),
            trigger_auth_user(u.id, u.type, u.data));
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE CONSTRAINT TRIGGER users_auth_create AFTER INSERT ON users
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION trigger_auth_on_create();

      -- LOGIN: every login opens a session (auth/completeLogin.ts), with the identity it used.
      CREATE FUNCTION trigger_auth_on_login() RETURNS trigger LANGUAGE plpgsql
      SET search_path FROM CURRENT AS $fn$
      DECLARE u users%ROWTYPE;
      BEGIN
        IF EXISTS (SELECT 1 FROM trigger_registry WHERE type = 'AUTHENTICATION' AND enabled) THEN
          SELECT * INTO u FROM users WHERE id = NEW.user_id;
          IF FOUND THEN
            PERFORM trigger_auth_event('LOGIN',
              CASE WHEN NEW.identity_id IS NULL
                THEN ARRAY(SELECT DISTINCT provider_type FROM identities WHERE user_id = u.id)
                ELSE ARRAY(SELECT provider_type FROM identities WHERE id = NEW.identity_id) END,
              trigger_auth_user(u.id, u.type, u.data));
          END IF;
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER sessions_auth_login AFTER INSERT ON sessions
        FOR EACH ROW EXECUTE FUNCTION trigger_auth_on_login();

      -- DELETE: before the row goes, while its identities (deleted by cascade) are still there.
      CREATE FUNCTION trigger_auth_on_delete() RETURNS trigger LANGUAGE plpgsql
      SET search_path FROM CURRENT AS $fn$
      BEGIN
        IF EXISTS (SELECT 1 FROM trigger_registry WHERE type = 'AUTHENTICATION' AND enabled) THEN
          PERFORM trigger_auth_event('DELETE',
            ARRAY(SELECT DISTINCT provider_type FROM identities WHERE user_id = OLD.id),
            trigger_auth_user(OLD.id, OLD.type, OLD.data));
        END IF;
        RETURN OLD;
      END
      $fn$;
      CREATE TRIGGER users_auth_delete BEFORE DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION trigger_auth_on_delete();
    `,
  },
  {
    version: 151,
    name: 'change events and trigger events: the depth of a chain of triggers',
    sql: /* sql */ `
      -- A trigger function's writes set change_feed.depth for their transaction
      -- (feed/writeSettings.ts): one more than the event the function ran for. Every other writer
      -- (a client, the server, plain SQL) leaves it unset: depth 0. The trigger runner stops a
      -- chain past its limit, the loop App Services let run forever.
      ALTER TABLE change_events ADD COLUMN depth integer NOT NULL
        DEFAULT coalesce(nullif(current_setting('change_feed.depth', true), '')::integer, 0);
      ALTER TABLE trigger_events ADD COLUMN depth integer NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 160,
    name: 'live streams: a notification when a session ends',
    sql: /* sql */ `
      -- Live streams (live/createLiveHub.ts) end the moment their session is logged out, revoked or
      -- deleted, or their user disabled or deleted, whichever process or plain SQL statement did
      -- it: these triggers NOTIFY every server process on the schema's channel, at commit.
      -- The payload names the session ('s:<id>') or the user ('u:<id>').
      CREATE FUNCTION live_end_channel(schema_name text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT 'live_end_' || md5(schema_name) $$;
      CREATE FUNCTION notify_session_end() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('live_end_' || md5(TG_TABLE_SCHEMA), 's:' || OLD.id);
        ELSIF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
          PERFORM pg_notify('live_end_' || md5(TG_TABLE_SCHEMA), 's:' || NEW.id);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER sessions_live_end AFTER UPDATE OF revoked_at OR DELETE ON sessions
        FOR EACH ROW EXECUTE FUNCTION notify_session_end();
      CREATE FUNCTION notify_user_end() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('live_end_' || md5(TG_TABLE_SCHEMA), 'u:' || OLD.id);
        ELSIF NEW.disabled AND NOT OLD.disabled THEN
          PERFORM pg_notify('live_end_' || md5(TG_TABLE_SCHEMA), 'u:' || NEW.id);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER users_live_end AFTER UPDATE OF disabled OR DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION notify_user_end();
    `,
  },
  {
    version: 170,
    name: 'indexes for the hourly cleanup of ended sessions, used tokens and old login failures',
    sql: /* sql */ `
      -- cleanupExpired deletes by these columns every hour: without indexes each run read whole
      -- tables (31 ms at 100k sessions), with them it reads what it deletes. Revoked and used
      -- rows are few: partial indexes hold those alone.
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
      CREATE INDEX userpass_tokens_expires_at ON userpass_tokens (expires_at);
      CREATE INDEX userpass_tokens_used ON userpass_tokens (used_at) WHERE used_at IS NOT NULL;
      CREATE INDEX login_failures_last_failure_at ON login_failures (last_failure_at);
    `,
  },
  {
    version: 171,
    name: 'documents: the GIN index without a pending list',
    sql: /* sql */ `
      -- With fastupdate (PostgreSQL's default), new entries wait in a pending list that every
      -- search reads in full until a vacuum merges it; PGlite never vacuums, so lookups through
      -- this index grew with every write (13 ms at 100k users). Entries now go straight into the
      -- index: a write costs a little more, a lookup stays as fast without vacuum.
      ALTER INDEX documents_doc_path_ops SET (fastupdate = off);
      SELECT gin_clean_pending_list('documents_doc_path_ops'::regclass);
    `,
  },
]
