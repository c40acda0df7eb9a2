/**
 * Versioned schema migrations, run at start by @effect/sql's Migrator (table
 * `effect_sql_migrations`). Add a migration as a new numbered entry; never edit a released one.
 *
 * Each migration is one template written for both dialects, so the schemas cannot drift apart:
 * `{id}` is the generated integer key, `{ref}` a column referring to one, `{ms}` epoch
 * milliseconds (64-bit on both).
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

const initial = `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  contact_limit INTEGER CHECK (contact_limit IS NULL OR contact_limit >= 0)
);
CREATE TABLE lists (
  id {id},
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  UNIQUE (account_id, name)
);
CREATE TABLE contacts (
  id {id},
  account_id TEXT NOT NULL REFERENCES accounts (id),
  email TEXT NOT NULL,
  first_name TEXT,
  last_name TEXT,
  phone TEXT,
  created_at {ms} NOT NULL,
  updated_at {ms} NOT NULL,
  UNIQUE (account_id, email)
);
CREATE TABLE contact_lists (
  contact_id {ref} NOT NULL REFERENCES contacts (id),
  list_id {ref} NOT NULL REFERENCES lists (id),
  status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed')),
  PRIMARY KEY (contact_id, list_id)
);
CREATE INDEX contact_lists_list ON contact_lists (list_id);
-- title_key is the title lower-cased by the store (JavaScript toLowerCase): SQLite's lower() only
-- folds ASCII, so a lower(title) index would mean different things on the two dialects.
CREATE TABLE custom_fields (
  id {id},
  account_id TEXT NOT NULL REFERENCES accounts (id),
  title TEXT NOT NULL,
  title_key TEXT NOT NULL,
  tag TEXT NOT NULL,
  connector_id TEXT,
  field_key TEXT,
  type TEXT NOT NULL,
  UNIQUE (account_id, tag),
  UNIQUE (account_id, title_key)
);
CREATE UNIQUE INDEX custom_fields_connector_key ON custom_fields (account_id, connector_id, field_key)
  WHERE connector_id IS NOT NULL;
CREATE TABLE field_values (
  contact_id {ref} NOT NULL REFERENCES contacts (id),
  field_id {ref} NOT NULL REFERENCES custom_fields (id),
  value TEXT NOT NULL,
  PRIMARY KEY (contact_id, field_id)
);
CREATE TABLE imports (
  id {id},
  account_id TEXT NOT NULL REFERENCES accounts (id),
  connector_id TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  list_ids TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'needs-attention')),
  status_reason TEXT,
  deleted_at {ms},
  created_at {ms} NOT NULL,
  updated_at {ms} NOT NULL
);
CREATE INDEX imports_account ON imports (account_id);
CREATE TABLE import_state (
  import_id {ref} PRIMARY KEY REFERENCES imports (id),
  cursor TEXT,
  lease_owner TEXT,
  lease_until {ms},
  last_run_at {ms},
  next_run_at {ms}
);
CREATE TABLE import_links (
  import_id {ref} NOT NULL REFERENCES imports (id),
  external_id TEXT NOT NULL,
  contact_id {ref} NOT NULL REFERENCES contacts (id),
  hash TEXT NOT NULL,
  PRIMARY KEY (import_id, external_id)
);
CREATE INDEX import_links_contact ON import_links (contact_id);
CREATE TABLE sync_runs (
  id {id},
  import_id {ref} NOT NULL REFERENCES imports (id),
  owner TEXT NOT NULL,
  started_at {ms} NOT NULL,
  finished_at {ms},
  outcome TEXT NOT NULL
    CHECK (outcome IN ('running', 'caught-up', 'batch-cap', 'stopped', 'needs-attention', 'failed', 'interrupted')),
  fetched INTEGER NOT NULL DEFAULT 0,
  added INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  deferred INTEGER NOT NULL DEFAULT 0,
  stop_tag TEXT,
  message TEXT,
  resynced INTEGER NOT NULL DEFAULT 0 CHECK (resynced IN (0, 1))
);
CREATE INDEX sync_runs_import ON sync_runs (import_id, started_at);
-- email_key: the source email lower-cased by the store, for case-insensitive lookups (see title_key).
CREATE TABLE run_skips (
  id {id},
  run_id {ref} NOT NULL REFERENCES sync_runs (id),
  import_id {ref} NOT NULL REFERENCES imports (id),
  external_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  email TEXT,
  email_key TEXT,
  at {ms} NOT NULL
);
CREATE INDEX run_skips_run ON run_skips (run_id);
CREATE INDEX run_skips_email ON run_skips (email_key);
CREATE INDEX run_skips_external ON run_skips (external_id);
`

/**
 * R5 without holding the cursor back: source records the contact limit left no room for wait
 * here (one row per (import, external id), replaced by later versions, removed once written or
 * deleted in the source) and are added first once there is room; `id` keeps their order.
 * `lease_epoch` is the fencing token of the import's lease: taking the lease increments it, and
 * a page commits only under the epoch its sync took (a paused, stale holder writes nothing).
 */
const deferredAndFencing = `
CREATE TABLE deferred_records (
  id {id},
  import_id {ref} NOT NULL REFERENCES imports (id),
  external_id TEXT NOT NULL,
  email TEXT NOT NULL,
  record TEXT NOT NULL,
  hash TEXT NOT NULL,
  deferred_at {ms} NOT NULL,
  UNIQUE (import_id, external_id)
);
ALTER TABLE import_state ADD COLUMN lease_epoch {ms} NOT NULL DEFAULT 0
`

const types = {
  sqlite: { id: "INTEGER PRIMARY KEY", ref: "INTEGER", ms: "INTEGER" },
  pg: { id: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", ref: "BIGINT", ms: "BIGINT" }
} as const

const ddl = (template: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // The store's layers only build SQLite and Postgres clients.
    const t = sql.onDialectOrElse({ pg: () => types.pg, orElse: () => types.sqlite })
    const statements = template
      .replace(/^--.*$/gm, "")
      .replace(/\{(id|ref|ms)\}/g, (_, name: keyof typeof t) => t[name])
      .split(";")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
    for (const statement of statements) yield* sql.unsafe(statement)
  })

export const migrations = {
  "1_initial": ddl(initial),
  "2_deferred_records_and_lease_epoch": ddl(deferredAndFencing)
}

const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations) })

/**
 * Runs the pending migrations. On Postgres, runners starting together queue on an advisory lock
 * (per schema): the Migrator's own table lock comes only after it created its table, which two
 * processes would otherwise race to do. On SQLite the write lock serializes them already.
 */
export const run = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.onDialectOrElse({
    pg: () =>
      Effect.scoped(Effect.gen(function*() {
        const connection = yield* sql.reserve
        const key = "hashtext('autoimport migrations ' || current_schema())"
        yield* Effect.acquireRelease(
          connection.executeUnprepared(`SELECT pg_advisory_lock(${key})`, [], undefined),
          () => Effect.orDie(connection.executeUnprepared(`SELECT pg_advisory_unlock(${key})`, [], undefined))
        )
        return yield* migrate
      })),
    orElse: () => migrate
  })
})
