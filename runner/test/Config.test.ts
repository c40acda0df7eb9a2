import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as Config from "../src/Config.js"

const root = mkdtempSync(path.join(tmpdir(), "autoimport-config-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const key = Buffer.alloc(32, 9).toString("base64")

let n = 0
/** A fresh working directory with the given files. */
const project = (files: Record<string, string> = {}) => {
  const dir = path.join(root, `p${n++}`)
  mkdirSync(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text)
  return dir
}

const load = (cwd: string, env: Record<string, string> = {}, configPath?: string) =>
  Config.load({ cwd, env, configPath: Option.fromNullable(configPath) })

const problemsOf = (cwd: string, env: Record<string, string> = {}, configPath?: string) =>
  Effect.map(Effect.flip(load(cwd, env, configPath)), (e) => ({ source: e.source, text: e.message }))

describe("Config", () => {
  layer(NodeContext.layer)((it) => {
    it.effect("without a file: the embedded defaults and the built-in connectors", () =>
      Effect.gen(function*() {
        const cwd = project()
        const config = yield* load(cwd)
        assert.deepStrictEqual(config.database, { _tag: "Sqlite", filename: path.join(cwd, ".autoimport", "autoimport.db") })
        assert.strictEqual(Duration.toMinutes(config.interval), 30)
        assert.strictEqual(config.batchCap, 500)
        assert.strictEqual(config.http.host, "127.0.0.1")
        assert.deepStrictEqual(config.connectors.map((c) => c.specifier), [...Config.builtinConnectors])
        assert.isTrue(Option.isNone(config.file))
        // Reading the configuration writes nothing.
        assert.isFalse(existsSync(path.join(cwd, ".autoimport")))
      }))

    it.effect("reads autoimport.config.json; environment variables override it", () =>
      Effect.gen(function*() {
        const cwd = project({
          "autoimport.config.json": JSON.stringify({
            connectors: [{ package: "./c.mjs", settings: { baseUrl: "http://x" } }, "@acme/other"],
            interval: "5m",
            batchCap: 100,
            concurrency: 2,
            database: "data/my.db",
            http: { port: 9999 }
          })
        })
        const config = yield* load(cwd, { AUTOIMPORT_BATCH_CAP: "50", AUTOIMPORT_INTERVAL: "90s" })
        assert.strictEqual(config.batchCap, 50)
        assert.strictEqual(Duration.toSeconds(config.interval), 90)
        assert.strictEqual(config.concurrency, 2)
        assert.strictEqual(config.http.port, 9999)
        assert.deepStrictEqual(config.database, { _tag: "Sqlite", filename: path.join(cwd, "data", "my.db") })
        assert.deepStrictEqual(config.connectors, [
          { specifier: "./c.mjs", settings: { baseUrl: "http://x" }, where: `${path.join(cwd, "autoimport.config.json")}: connectors[0]` },
          { specifier: "@acme/other", settings: undefined, where: `${path.join(cwd, "autoimport.config.json")}: connectors[1]` }
        ])
      }))

    it.effect("reads YAML, from --config, with paths relative to the file", () =>
      Effect.gen(function*() {
        const cwd = project({ "ops.yaml": "database: sqlite:db/x.db\ncredentialsKey: " + Buffer.alloc(32, 7).toString("base64") + "\n" })
        const config = yield* load(path.dirname(cwd), {}, path.join(path.basename(cwd), "ops.yaml"))
        assert.deepStrictEqual(config.database, { _tag: "Sqlite", filename: path.join(cwd, "db", "x.db") })
        assert.deepStrictEqual(Option.map(config.credentialsKey, (k) => Redacted.value(k).length), Option.some(32))
      }))

    it.effect("a postgres URL is kept redacted", () =>
      Effect.gen(function*() {
        const config = yield* load(project(), { AUTOIMPORT_DATABASE_URL: "postgres://u:secret@db:5432/x", AUTOIMPORT_CREDENTIALS_KEY: key })
        assert.strictEqual(config.database._tag, "Postgres")
        assert.notInclude(String(config.database._tag === "Postgres" ? config.database.url : ""), "secret")
      }))

    it.effect("each bad value names its key", () =>
      Effect.gen(function*() {
        const cwd = project({
          "autoimport.config.json": JSON.stringify({ batchCap: 0, interval: "soon", http: { port: 70000 }, concurrency: "4" })
        })
        const { text } = yield* problemsOf(cwd)
        assert.include(text, "batchCap: expected a whole number from 1 to 100000, got 0")
        assert.include(text, "interval: expected a duration")
        assert.include(text, "http.port: expected a TCP port")
        assert.include(text, "concurrency")
      }))

    it.effect("every numeric setting has a range: 0s intervals and a batch cap of 1e12 are refused, in the file and in variables", () =>
      Effect.gen(function*() {
        const file = yield* problemsOf(project({
          "autoimport.config.json": JSON.stringify({ interval: "0s", batchCap: 1e12, concurrency: 1000, jitter: "2 days", pollInterval: "0s" })
        }))
        assert.include(file.text, "interval: expected a duration from 1s to 7d, got 0")
        assert.include(file.text, "batchCap: expected a whole number from 1 to 100000, got 1000000000000")
        assert.include(file.text, "concurrency: expected a whole number from 1 to 64, got 1000")
        assert.include(file.text, "jitter: expected a duration from 0 to 1d, got 2d")
        assert.include(file.text, "pollInterval: expected a duration from 100ms to 1h, got 0")
        const env = yield* problemsOf(project(), { AUTOIMPORT_INTERVAL: "0s", AUTOIMPORT_BATCH_CAP: "1e12", AUTOIMPORT_CONCURRENCY: "0" })
        assert.strictEqual(env.source, "the environment")
        assert.include(env.text, "AUTOIMPORT_INTERVAL: expected a duration from 1s to 7d")
        assert.include(env.text, "AUTOIMPORT_BATCH_CAP: expected a whole number from 1 to 100000")
        assert.include(env.text, "AUTOIMPORT_CONCURRENCY: expected a whole number from 1 to 64")
        // The bounds themselves are accepted.
        const edges = yield* load(project({
          "autoimport.config.json": JSON.stringify({ interval: "7 days", batchCap: 100000, concurrency: 64, jitter: "0s", pollInterval: "100ms" })
        }), { AUTOIMPORT_INTERVAL: "1s", AUTOIMPORT_BATCH_CAP: "1" })
        assert.deepStrictEqual(
          [Duration.toMillis(edges.interval), edges.batchCap, edges.concurrency, Duration.toMillis(edges.jitter), Duration.toMillis(edges.pollInterval)],
          [1000, 1, 64, 0, 100]
        )
      }))

    it.effect("a misspelt key is an error, not silently ignored", () =>
      Effect.gen(function*() {
        const { text } = yield* problemsOf(project({ "autoimport.config.json": JSON.stringify({ batchcap: 10 }) }))
        assert.include(text, "batchcap")
        assert.include(text, "unexpected")
      }))

    it.effect("http.databaseTimeout: 10 s by default, from the file or AUTOIMPORT_HTTP_DATABASE_TIMEOUT, from 100ms to 10m", () =>
      Effect.gen(function*() {
        assert.strictEqual(Duration.toMillis((yield* load(project())).http.databaseTimeout), 10_000)
        const cwd = project({ "autoimport.config.json": JSON.stringify({ http: { databaseTimeout: "3s" } }) })
        assert.strictEqual(Duration.toMillis((yield* load(cwd)).http.databaseTimeout), 3_000)
        assert.strictEqual(Duration.toMillis((yield* load(cwd, { AUTOIMPORT_HTTP_DATABASE_TIMEOUT: "500ms" })).http.databaseTimeout), 500)
        const zero = yield* problemsOf(project({ "autoimport.config.json": JSON.stringify({ http: { databaseTimeout: "0s" } }) }))
        assert.include(zero.text, "http.databaseTimeout: expected a duration from 100ms to 10m, got 0")
        const { text } = yield* problemsOf(project(), { AUTOIMPORT_HTTP_DATABASE_TIMEOUT: "never" })
        assert.include(text, "AUTOIMPORT_HTTP_DATABASE_TIMEOUT: expected a duration")
      }))

    it.effect("connector entries are checked", () =>
      Effect.gen(function*() {
        const { text } = yield* problemsOf(project({ "autoimport.config.json": JSON.stringify({ connectors: [{ settings: {} }] }) }))
        assert.include(text, "connectors[0]")
      }))

    it.effect("a file that does not parse says so, with the file", () =>
      Effect.gen(function*() {
        const cwd = project({ "autoimport.config.json": "{ nope" })
        const { source, text } = yield* problemsOf(cwd)
        assert.strictEqual(source, path.join(cwd, "autoimport.config.json"))
        assert.include(text, "not valid JSON")
      }))

    it.effect("an explicit file that does not exist is an error", () =>
      Effect.gen(function*() {
        const { text } = yield* problemsOf(project(), { AUTOIMPORT_CONFIG: "missing.json" })
        assert.include(text, "does not exist")
      }))

    it.effect("two candidate files are ambiguous", () =>
      Effect.gen(function*() {
        const { text } = yield* problemsOf(project({ "autoimport.config.json": "{}", "autoimport.config.yaml": "{}" }))
        assert.include(text, "autoimport.config.json and autoimport.config.yaml")
      }))

    it.effect("environment variables are checked one by one and named", () =>
      Effect.gen(function*() {
        const { source, text } = yield* problemsOf(project(), {
          AUTOIMPORT_BATCH_CAP: "lots",
          AUTOIMPORT_HTTP_PORT: "-1",
          AUTOIMPORT_CREDENTIALS_KEY: "c2hvcnQ="
        })
        assert.strictEqual(source, "the environment")
        assert.include(text, "AUTOIMPORT_BATCH_CAP: expected a number")
        assert.include(text, "AUTOIMPORT_HTTP_PORT: expected a TCP port")
        assert.include(text, "AUTOIMPORT_CREDENTIALS_KEY: expected base64 of 32 random bytes")
        // The rejected key itself is never echoed.
        assert.notInclude(text, "c2hvcnQ=")
      }))

    it.effect("an unknown AUTOIMPORT_ variable is ignored (another tool may use the prefix)", () =>
      Effect.gen(function*() {
        const config = yield* load(project(), { AUTOIMPORT_BATCHCAP: "5", AUTOIMPORT_TEST_DATABASE_URL: "postgres://x" })
        assert.strictEqual(config.batchCap, 500)
      }))

    it.effect("an unsupported database URL names the variable", () =>
      Effect.gen(function*() {
        const { source } = yield* problemsOf(project(), { AUTOIMPORT_DATABASE_URL: "mysql://x" })
        assert.strictEqual(source, "AUTOIMPORT_DATABASE_URL")
      }))

    it.effect("a Postgres database without a credentials key is refused, naming where the database was set", () =>
      Effect.gen(function*() {
        const fromEnv = yield* problemsOf(project(), { AUTOIMPORT_DATABASE_URL: "postgres://u:secret@db:5432/x" })
        assert.strictEqual(fromEnv.source, "AUTOIMPORT_DATABASE_URL")
        assert.include(fromEnv.text, "a Postgres database needs AUTOIMPORT_CREDENTIALS_KEY (or credentialsKey)")
        assert.notInclude(fromEnv.text, "\n")
        assert.notInclude(fromEnv.text, "secret")
        const cwd = project({ "autoimport.config.yaml": "database: postgresql://db/x\n" })
        const fromFile = yield* problemsOf(cwd)
        assert.strictEqual(fromFile.source, `${path.join(cwd, "autoimport.config.yaml")}: database`)
        // Either place for the key will do.
        const withFileKey = yield* load(project({ "autoimport.config.yaml": `database: postgresql://db/x\ncredentialsKey: ${key}\n` }))
        assert.strictEqual(withFileKey.database._tag, "Postgres")
        const withEnvKey = yield* load(cwd, { AUTOIMPORT_CREDENTIALS_KEY: key })
        assert.strictEqual(withEnvKey.database._tag, "Postgres")
        // SQLite keeps its key file default.
        assert.isTrue(Option.isNone((yield* load(project())).credentialsKey))
      }))

    it.effect("an admin API reachable from elsewhere needs a token", () =>
      Effect.gen(function*() {
        const { text } = yield* problemsOf(project(), { AUTOIMPORT_HTTP_HOST: "0.0.0.0" })
        assert.include(text, "AUTOIMPORT_ADMIN_TOKEN")
        const config = yield* load(project(), { AUTOIMPORT_HTTP_HOST: "0.0.0.0", AUTOIMPORT_ADMIN_TOKEN: "t0ken" })
        assert.isTrue(Option.isSome(config.http.adminToken))
      }))
  })
})
