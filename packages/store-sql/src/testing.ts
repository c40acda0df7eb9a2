/**
 * Store layers for tests of any package: each builds a fresh, empty, migrated database that
 * nothing else sees and removes it when the layer's scope closes, so test files and concurrent
 * test runs never collide. Both provide `Store` and the `SqlClient` behind it.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import type { Store } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generateKey } from "./Credentials.js"
import { layerPg, layerSqlite } from "./SqlStore.js"

export const defaultTestDatabaseUrl = "postgres://postgres@127.0.0.1:5432/test"

/** A database file in a fresh temporary directory, deleted with the directory when the scope closes. */
export const sqliteTestFile: Effect.Effect<string, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "autoimport-store-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  ),
  (dir) => join(dir, "autoimport.db")
)

/**
 * The URL of a fresh, empty schema of the test database (`AUTOIMPORT_TEST_DATABASE_URL`,
 * default {@link defaultTestDatabaseUrl}), dropped when the scope closes. The schema is selected
 * per connection through the URL's `options=-c search_path=…`, so the URL can also be handed to
 * a child process (e.g. the runner binary in end-to-end tests).
 */
export const pgTestUrl: Effect.Effect<string, never, Scope.Scope> = Effect.gen(function*() {
  const base = process.env["AUTOIMPORT_TEST_DATABASE_URL"] ?? defaultTestDatabaseUrl
  const schema = `autoimport_test_${randomBytes(8).toString("hex")}`
  yield* Effect.acquireRelease(
    admin(base, `CREATE SCHEMA ${schema}`),
    () => admin(base, `DROP SCHEMA ${schema} CASCADE`)
  )
  const url = new URL(base)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return url.toString()
})

/** SQLite in a fresh temporary file (see {@link sqliteTestFile}). */
export const layerSqliteTest: Layer.Layer<Store | SqlClient.SqlClient> = Layer.unwrapScoped(
  Effect.map(sqliteTestFile, (filename) => layerSqlite({ filename, credentialsKey: generateKey() }))
).pipe(Layer.orDie)

/** Postgres in a fresh schema (see {@link pgTestUrl}). */
export const layerPgTest: Layer.Layer<Store | SqlClient.SqlClient> = Layer.unwrapScoped(
  Effect.map(pgTestUrl, (url) => layerPg({ url: Redacted.make(url), credentialsKey: generateKey() }))
).pipe(Layer.orDie)

/** One statement on a short-lived connection of its own (the schema is a generated name). */
const admin = (url: string, statement: string) =>
  Effect.scoped(
    Effect.flatMap(
      PgClient.make({ url: Redacted.make(url), applicationName: "autoimport-test", maxConnections: 1 }),
      (sql) => sql.unsafe(statement)
    )
  ).pipe(Effect.provide(Reactivity.layer), Effect.asVoid, Effect.orDie)
