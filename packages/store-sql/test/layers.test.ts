import { assert, describe, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { AccountId, ConnectorId, ExternalId, NormalizedEmail } from "@autoimport/core/Domain"
import { type PageWrite, Store } from "@autoimport/core/Store"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Credentials from "../src/Credentials.js"
import * as SqlStore from "../src/SqlStore.js"
import { pgTestUrl, sqliteTestFile } from "../src/testing.js"

const key = Credentials.generateKey()

describe("parseDatabaseUrl", () => {
  it("chooses the dialect by URL", () => {
    const parse = (url: string) => Either.getOrThrow(SqlStore.parseDatabaseUrl(url))
    assert.deepStrictEqual(parse("postgres://u@h:5432/db"), { _tag: "Pg", url: "postgres://u@h:5432/db" })
    assert.deepStrictEqual(parse("postgresql://h/db?sslmode=require"), { _tag: "Pg", url: "postgresql://h/db?sslmode=require" })
    assert.deepStrictEqual(parse("sqlite:.autoimport/autoimport.db"), { _tag: "Sqlite", filename: ".autoimport/autoimport.db" })
    assert.deepStrictEqual(parse("sqlite:///var/lib/a.db"), { _tag: "Sqlite", filename: "/var/lib/a.db" })
    assert.deepStrictEqual(parse(" ./data/a.db "), { _tag: "Sqlite", filename: "./data/a.db" })
  })

  it("names what is wrong with a URL it cannot use", () => {
    const message = (url: string) => Either.match(SqlStore.parseDatabaseUrl(url), { onLeft: (e) => e.message, onRight: () => "accepted" })
    assert.strictEqual(
      message("mysql://h/db"),
      `invalid configuration in database URL: "mysql" databases are not supported; use postgres://…, sqlite:<path> or a file path`
    )
    assert.include(message("sqlite:"), "sqlite: needs a file path")
    assert.include(message("  "), "it is empty")
  })
})

describe("Credentials", () => {
  it.effect("round-trips; another key, another context or a changed byte do not decrypt", () =>
    Effect.gen(function*() {
      const credentials = yield* Credentials.make(key)
      const stored = credentials.encrypt(`{"token":"s3cret ✓"}`, "import 1")
      assert.notInclude(stored, "s3cret")
      assert.strictEqual(credentials.decrypt(stored, "import 1"), `{"token":"s3cret ✓"}`)
      assert.notStrictEqual(credentials.encrypt("same", "c"), credentials.encrypt("same", "c"), "a fresh IV every time")
      assert.isUndefined(credentials.decrypt(stored, "import 2"))
      assert.isUndefined((yield* Credentials.make(Credentials.generateKey())).decrypt(stored, "import 1"))
      const raw = Buffer.from(stored.slice(3), "base64")
      raw[raw.length - 1] = raw[raw.length - 1]! ^ 1
      assert.isUndefined(credentials.decrypt(`v1:${raw.toString("base64")}`, "import 1"))
      assert.isUndefined(credentials.decrypt("not encrypted", "import 1"))
    }))

  it.effect("a key that is not 32 bytes is a configuration error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Credentials.make(Redacted.make(new Uint8Array(16))))
      assert.strictEqual(error.message, "invalid configuration in credentials key: it must be 32 bytes (AES-256), got 16")
    }))
})

describe("Credentials.config", () => {
  it.effect("reads a base64 key and names the key when it is not 32 bytes", () =>
    Effect.gen(function*() {
      const read = (value: string) =>
        Effect.withConfigProvider(
          Effect.either(Credentials.config("AUTOIMPORT_SECRET_KEY")),
          ConfigProvider.fromMap(new Map([["AUTOIMPORT_SECRET_KEY", value]]))
        )
      const good = yield* read(Credentials.encodeKey(key))
      assert.deepStrictEqual(Either.map(good, (k) => [...Redacted.value(k)]), Either.right([...Redacted.value(key)]))
      const short = yield* read(Buffer.alloc(16).toString("base64"))
      assert.isTrue(Either.isLeft(short))
      assert.include(String(Either.flip(short).pipe(Either.getOrThrow)), "AUTOIMPORT_SECRET_KEY")
      assert.include(String(Either.flip(short).pipe(Either.getOrThrow)), "got 16 bytes")
    }))

  it.scoped("layerConfig opens the store the configuration names", () =>
    Effect.gen(function*() {
      const filename = yield* sqliteTestFile
      const provider = ConfigProvider.fromMap(new Map([["DB", filename], ["KEY", Credentials.encodeKey(key)]]))
      const open = SqlStore.layerConfig({ url: Config.string("DB"), credentialsKey: Credentials.config("KEY") })
      const account = yield* Effect.flatMap(Store, (store) => store.ensureAccount(AccountId.make("a"))).pipe(
        Effect.provide(open),
        Effect.withConfigProvider(provider)
      )
      assert.strictEqual(account.id, "a")
      assert.isTrue(existsSync(filename))
    }))
})

describe("opening a store", () => {
  it.scoped("SQLite: creates the directory, uses WAL and a busy timeout, migrates once, keeps data across opens", () =>
    Effect.gen(function*() {
      const filename = join(dirname(yield* sqliteTestFile), "nested", "dir", "autoimport.db")
      const open = SqlStore.layer({ url: `sqlite:${filename}`, credentialsKey: key })
      const accountId = AccountId.make("a")
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* (yield* Store).setContactLimit(accountId, 42)
        const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
        const [busy] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
        const [fk] = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
        assert.deepStrictEqual([mode!.journal_mode, busy!.timeout, fk!.foreign_keys], ["wal", 30_000, 1])
      }).pipe(Effect.provide(open))
      assert.isTrue(existsSync(filename))
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        assert.strictEqual((yield* (yield* Store).ensureAccount(accountId)).contactLimit, 42)
        const migrations = yield* sql<{ migration_id: number }>`SELECT migration_id FROM effect_sql_migrations`
        assert.deepStrictEqual(migrations.map((m) => Number(m.migration_id)), [1, 2])
      }).pipe(Effect.provide(open))
    }))

  it.effect("an unusable URL or key fails the layer with InvalidConfig", () =>
    Effect.gen(function*() {
      const badUrl = yield* Effect.flip(Layer.build(SqlStore.layer({ url: "mysql://h/db", credentialsKey: key })).pipe(Effect.scoped))
      assert.strictEqual(badUrl._tag, "InvalidConfig")
      const badKey = yield* Effect.flip(
        Layer.build(SqlStore.layer({ url: ":memory:", credentialsKey: Redacted.make(new Uint8Array(31)) })).pipe(Effect.scoped)
      )
      assert.deepStrictEqual([badKey._tag, badKey.message], ["InvalidConfig", "invalid configuration in credentials key: it must be 32 bytes (AES-256), got 31"])
    }))

  it.scoped("Postgres: runners starting together on a fresh schema migrate it once", () =>
    Effect.gen(function*() {
      const url = yield* pgTestUrl
      const open = SqlStore.layer({ url, credentialsKey: key })
      const migrated = yield* Effect.all(
        Array.from({ length: 4 }, () =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            yield* (yield* Store).ensureAccount(AccountId.make("a"))
            return yield* sql<{ migration_id: unknown }>`SELECT migration_id FROM effect_sql_migrations`
          }).pipe(Effect.provide(open))),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(migrated.map((rows) => rows.map((r) => Number(r.migration_id))), [[1, 2], [1, 2], [1, 2], [1, 2]])
    }))
})

describe("SQLite shared by processes", () => {
  const betterSqlite3 = createRequire(createRequire(import.meta.url).resolve("@effect/sql-sqlite-node/SqliteClient"))
    .resolve("better-sqlite3")
  const holder = fileURLToPath(new URL("./fixtures/hold-write-lock.mjs", import.meta.url))

  /** Starts the other process and waits until it holds the write lock; SIGUSR2 lets it commit. */
  const otherProcessHoldingTheLock = (filename: string, accountId: string) =>
    Effect.acquireRelease(
      Effect.async<ReturnType<typeof spawn>, Error>((resume) => {
        const child = spawn(process.execPath, [holder, betterSqlite3, filename, accountId], { stdio: ["ignore", "pipe", "inherit"] })
        child.once("error", (error) => resume(Effect.fail(error)))
        child.stdout.once("data", () => resume(Effect.succeed(child)))
      }),
      (child) => Effect.async<void>((resume) => {
        if (child.exitCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGUSR2")
      })
    )

  const fixture = (busyTimeoutMillis: number) =>
    Effect.gen(function*() {
      const filename = yield* sqliteTestFile
      const s = Context.get(yield* Layer.build(SqlStore.layerSqlite({ filename, credentialsKey: key, busyTimeoutMillis })), Store)
      const accountId = AccountId.make("shared")
      yield* s.ensureAccount(accountId)
      const imp = yield* s.createImport({ accountId, connectorId: ConnectorId.make("x"), name: "x", config: {}, listIds: [] }, new Date(0))
      const lease = Option.getOrThrow(yield* s.acquireLease(imp.id, "r", new Date(0), 60_000))
      const runId = yield* s.startRun(imp.id, "r", new Date(0))
      const page: PageWrite = {
        accountId,
        importId: imp.id,
        runId,
        lease,
        fetched: 10,
        listIds: [],
        contacts: Array.from({ length: 10 }, (_, i) => ({
          externalId: ExternalId.make(`e${i}`),
          email: NormalizedEmail.make(`c${i}@example.com`),
          firstName: undefined,
          lastName: undefined,
          phone: undefined,
          fieldValues: [],
          hash: "h",
          previousExternalIds: []
        })),
        deletions: [],
        skips: [],
        unchanged: [],
        cursor: Option.some(1),
        now: new Date(0)
      }
      return { filename, store: s, accountId, page }
    })

  it.scoped("a page waits for another process's write and then sees it", () =>
    Effect.gen(function*() {
      const { accountId, filename, page, store } = yield* fixture(30_000)
      const child = yield* otherProcessHoldingTheLock(filename, accountId)
      child.kill("SIGUSR2")
      const result = yield* store.commitPage(page)
      assert.deepStrictEqual([result.added, result.deferred.length], [7, 3], "the page counted under the other process's new limit")
    }))

  it.scoped("without a busy timeout the same page fails at once: the timeout is what makes it wait", () =>
    Effect.gen(function*() {
      const { accountId, filename, page, store } = yield* fixture(0)
      yield* otherProcessHoldingTheLock(filename, accountId)
      const exit = yield* Effect.exit(store.commitPage(page))
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      assert.strictEqual((defect as { cause?: { code?: string } } | undefined)?.cause?.code, "SQLITE_BUSY")
    }))

  it.scoped("two stores on one file share leases", () =>
    Effect.gen(function*() {
      const { filename, page, store } = yield* fixture(30_000)
      const other = Context.get(yield* Layer.build(SqlStore.layerSqlite({ filename, credentialsKey: key })), Store)
      yield* store.releaseLease(page.importId, page.lease)
      const first = Option.getOrThrow(yield* store.acquireLease(page.importId, "process-1", new Date(0), 60_000))
      assert.isTrue(Option.isNone(yield* other.acquireLease(page.importId, "process-2", new Date(1), 60_000)))
      yield* store.releaseLease(page.importId, first)
      const second = Option.getOrThrow(yield* other.acquireLease(page.importId, "process-2", new Date(2), 60_000))
      assert.isAbove(second, first, "one fencing token sequence across both processes")
    }))
})
