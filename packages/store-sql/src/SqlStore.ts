/**
 * The core `Store` on @effect/sql, for SQLite (the embedded default) and Postgres: the layers
 * that open a database, and the assembly of the store from its modules under src/internal/.
 * One implementation serves both dialects; where a statement differs (the account row lock in
 * src/internal/accounts.ts) both spellings stand side by side at that statement.
 *
 * Every row is decoded with a schema and every infrastructure failure becomes a defect at one
 * helper (src/internal/sql.ts). Text values are bound as parameters, never spliced into SQL.
 * Postgres rejects U+0000 in text, so the store strips it from every text it writes, on both
 * dialects alike.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { InvalidConfig } from "@autoimport/core/Errors"
import { Store, type StoreShape } from "@autoimport/core/Store"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Credentials from "./Credentials.js"
import * as Accounts from "./internal/accounts.js"
import * as CommitPage from "./internal/commitPage.js"
import * as Contacts from "./internal/contacts.js"
import * as Fields from "./internal/fields.js"
import * as Imports from "./internal/imports.js"
import * as Migrations from "./internal/migrations.js"
import * as Runs from "./internal/runs.js"
import * as SqliteFile from "./internal/sqliteFile.js"
import * as SyncState from "./internal/syncState.js"

/** Builds the store from one module per concern (src/internal/), each on the same client. */
export const make: Effect.Effect<StoreShape, never, SqlClient.SqlClient | Credentials.Credentials> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const credentials = yield* Credentials.Credentials
    const accounts = Accounts.make(sql)
    const imports = Imports.make(sql, credentials, accounts)
    const syncState = SyncState.make(sql, imports)
    const contacts = Contacts.make(sql)
    return {
      ...accounts.store,
      ...Fields.make(sql, accounts),
      ...imports.store,
      ...syncState.store,
      ...CommitPage.make(sql, accounts, syncState, contacts),
      ...Runs.make(sql),
      ...contacts.store
    } satisfies StoreShape
  }
)

// ---- layers -------------------------------------------------------------------------------

/** A SQLite database file that cannot be used (read-only, not a database, ...); see internal/sqliteFile.ts. */
export const DatabaseFileError = SqliteFile.DatabaseFileError
export type DatabaseFileError = SqliteFile.DatabaseFileError

/** What opening a store can fail with: the database, a migration, or the configuration. */
export type OpenError = SqlError | Migrator.MigrationError | InvalidConfig | DatabaseFileError

export interface SqliteOptions {
  /** The database file; its directory is created when missing. */
  readonly filename: string
  /** 32 bytes for AES-256-GCM; see {@link Credentials.generateKey}. */
  readonly credentialsKey: Redacted.Redacted<Uint8Array>
  /** How long a write waits for another process's transaction on the same file. Default 30 s. */
  readonly busyTimeoutMillis?: number
}

export interface PgOptions {
  readonly url: Redacted.Redacted<string> | string
  readonly credentialsKey: Redacted.Redacted<Uint8Array>
}

/** Migrates the client's database, then builds the store on it; provides both. */
const fromClient = <E>(
  client: Layer.Layer<SqlClient.SqlClient, E>,
  credentialsKey: Redacted.Redacted<Uint8Array>
): Layer.Layer<Store | SqlClient.SqlClient, E | OpenError> =>
  Layer.effect(Store, make).pipe(
    Layer.provide(Credentials.layer(credentialsKey)),
    Layer.provideMerge(Layer.effectDiscard(Migrations.run).pipe(Layer.provideMerge(client)))
  )

export const layerSqlite = (options: SqliteOptions): Layer.Layer<Store | SqlClient.SqlClient, OpenError> =>
  fromClient(
    Layer.scopedContext(Effect.gen(function*() {
      if (options.filename !== ":memory:") yield* SqliteFile.preflight(options.filename)
      const busyTimeout = options.busyTimeoutMillis ?? 30_000
      if (!(Number.isSafeInteger(busyTimeout) && busyTimeout >= 0)) {
        return yield* new InvalidConfig({ where: "SQLite busy timeout", detail: `not a whole number of milliseconds: ${busyTimeout}` })
      }
      // A file SQLite cannot use (not a database, an unreadable device such as /proc/self/mem)
      // fails while opening or on the first statement: a typed error naming the file, not a defect.
      const client = yield* Effect.gen(function*() {
        const client = yield* SqliteClient.make({ filename: options.filename })
        // PRAGMAs take no bound parameters; the one number is checked above.
        yield* client.unsafe(`PRAGMA busy_timeout = ${busyTimeout}`)
        yield* client`PRAGMA foreign_keys = ON`
        // WAL makes NORMAL safe against corruption; a power cut can only lose whole last transactions.
        yield* client`PRAGMA synchronous = NORMAL`
        return client
      }).pipe(
        Effect.catchAllDefect((defect) => Effect.fail(defect)),
        Effect.mapError((cause) => new SqliteFile.DatabaseFileError({ filename: options.filename, detail: SqliteFile.reason(cause) }))
      )
      return Context.make(SqlClient.SqlClient, client as SqlClient.SqlClient)
    })).pipe(Layer.provide(Reactivity.layer)),
    options.credentialsKey
  ).pipe(
    // On SQLite, a statement failing while the store opens (the migrations) is about the file.
    Layer.mapError((e) =>
      e._tag === "SqlError" ? new SqliteFile.DatabaseFileError({ filename: options.filename, detail: SqliteFile.reason(e) }) : e
    )
  )

export const layerPg = (options: PgOptions): Layer.Layer<Store | SqlClient.SqlClient, OpenError> =>
  fromClient(
    Layer.scopedContext(
      Effect.map(
        PgClient.make({
          url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
          applicationName: "autoimport"
        }),
        (client) => Context.make(SqlClient.SqlClient, client as SqlClient.SqlClient)
      )
    ).pipe(Layer.provide(Reactivity.layer)),
    options.credentialsKey
  )

export type DatabaseTarget =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Pg"; readonly url: string }

/**
 * `postgres://…` / `postgresql://…` → Postgres; `sqlite:<path>` (also `sqlite://<path>`) or a
 * plain file path → SQLite.
 */
export const parseDatabaseUrl = (url: string): Either.Either<DatabaseTarget, InvalidConfig> => {
  const trimmed = url.trim()
  const invalid = (detail: string) => Either.left(new InvalidConfig({ where: "database URL", detail }))
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return Either.right({ _tag: "Pg", url: trimmed })
  if (/^sqlite:/i.test(trimmed)) {
    const filename = trimmed.slice("sqlite:".length).replace(/^\/\//, "")
    return filename.length === 0 ? invalid("sqlite: needs a file path, e.g. sqlite:.autoimport/autoimport.db") : Either.right({ _tag: "Sqlite", filename })
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)
  if (scheme !== null) {
    return invalid(`"${scheme[1]}" databases are not supported; use postgres://…, sqlite:<path> or a file path`)
  }
  return trimmed.length === 0 ? invalid("it is empty") : Either.right({ _tag: "Sqlite", filename: trimmed })
}

export interface Options {
  /** See {@link parseDatabaseUrl}. */
  readonly url: string
  readonly credentialsKey: Redacted.Redacted<Uint8Array>
}

/** Picks the dialect from the URL (see {@link parseDatabaseUrl}). */
export const layer = (options: Options): Layer.Layer<Store | SqlClient.SqlClient, OpenError> =>
  Either.match(parseDatabaseUrl(options.url), {
    onLeft: (error) => Layer.fail(error),
    onRight: (target) =>
      target._tag === "Pg"
        ? layerPg({ url: Redacted.make(target.url), credentialsKey: options.credentialsKey })
        : layerSqlite({ filename: target.filename, credentialsKey: options.credentialsKey })
  })

/** {@link layer} with its options read from `Config`. */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<Store | SqlClient.SqlClient, OpenError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))
