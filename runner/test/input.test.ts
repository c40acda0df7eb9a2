/**
 * How the built `autoimport` binary treats bad input and keys: exit codes, messages, and that
 * nothing is written before the input is known to be good.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./support/cli.js"
import { connectorPackage, createImport, sandbox } from "./support/sandbox.js"

// Independent child processes in scratch directories: they may run side by side.
describe.concurrent("autoimport CLI input handling", () => {
  const nothingWritten = (cwd: string) =>
    assert.deepStrictEqual(readdirSync(cwd).filter((f) => f !== "autoimport.config.json" && f !== "import.json"), [], "nothing written")

  // As text: JSON.stringify itself would overflow the stack on it.
  const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)
  const credentials = { clientId: "a", clientSecret: "b", refreshToken: "c" }

  const cases: ReadonlyArray<{
    readonly name: string
    readonly args: ReadonlyArray<string>
    readonly env?: Record<string, string>
    readonly config?: unknown
    /** The configuration file's text, when `config` cannot be written with JSON.stringify. */
    readonly configText?: string
    readonly expect: RegExp
    /** The error is one plain line (no stack trace, no help text). */
    readonly oneLine?: true
  }> = [
    { name: "unknown command", args: ["frobnicate"], expect: /frobnicate|Invalid subcommand|unknown/i },
    { name: "missing argument", args: ["sync"], expect: /import-id|Missing/i },
    { name: "bad --config JSON", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "{nope"], expect: /--config: not valid JSON/ },
    { name: "config that does not match the connector", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "{\"clientId\":\"a\"}"], expect: /--config: .*clientSecret/ },
    { name: "unknown connector", args: ["imports", "create", "nope", "--name", "x", "--config", "{}"], expect: /connector "nope" is not loaded by this runner \(loaded: google-contacts, hubspot, shopify\)/, oneLine: true },
    { name: "empty name", args: ["imports", "create", "google-contacts", "--name", " ", "--config", "@import.json"], expect: /--name: must not be empty/ },
    { name: "name over 200 characters", args: ["imports", "create", "google-contacts", "--name", "n".repeat(201), "--config", "@import.json"], expect: /--name: must be at most 200 characters, got 201/ },
    { name: "list name over 200 characters", args: ["imports", "edit", "1", "--list", "l".repeat(201)], expect: /--list: must be at most 200 characters, got 201/ },
    { name: "config over 64 KiB", args: ["imports", "create", "google-contacts", "--name", "x", "--config", JSON.stringify({ clientId: "c".repeat(70_000), clientSecret: "b", refreshToken: "c" })], expect: /--config: must be at most 65536 characters as JSON/ },
    { name: "missing @file", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "@nope.json"], expect: /--config: cannot read nope.json/ },
    { name: "bad contact limit", args: ["account", "--contact-limit", "lots"], expect: /--contact-limit: expected a whole number/ },
    { name: "bad email", args: ["contacts", "unsubscribe", "not-an-email"], expect: /not a valid email address/ },
    { name: "bad config value", args: ["imports", "list"], config: { batchCap: -1 }, expect: /batchCap: expected a whole number from 1 to 100000/ },
    { name: "misspelt config key", args: ["imports", "list"], config: { intervall: "5m" }, expect: /intervall/ },
    { name: "bad environment variable", args: ["imports", "list"], env: { AUTOIMPORT_INTERVAL: "often" }, expect: /AUTOIMPORT_INTERVAL: expected a duration/ },
    { name: "connector package not found", args: ["connectors"], config: { connectors: ["@acme/nope"] }, expect: /connectors\[0\]: connector package "@acme\/nope" was not found/ },
    { name: "connector that is not one", args: ["connectors"], config: { connectors: [path.join(import.meta.dirname, "fixtures", "not-a-connector.mjs")] }, expect: /has no connector as its default export/ },
    { name: "connector settings", args: ["connectors"], config: { connectors: [{ package: connectorPackage, settings: { pageSize: 5000 } }] }, expect: /connectors\[0\]\.settings \(google-contacts\).*pageSize/ },
    // Unknown keys in what users type: refused with the closest known key, at every level.
    { name: "misspelt key in an import's config", args: ["imports", "create", "google-contacts", "--name", "x", "--config", JSON.stringify({ ...credentials, contactgroup: "friends" })], expect: /--config: contactgroup: unknown key, did you mean "contactGroup"\?/, oneLine: true },
    { name: "misspelt key in a connector's settings", args: ["connectors"], config: { connectors: [{ package: connectorPackage, settings: { pageSise: 10 } }] }, expect: /connectors\[0\]\.settings \(google-contacts\): pageSise: unknown key, did you mean "pageSize"\?/, oneLine: true },
    { name: "misspelt nested settings key", args: ["connectors"], config: { connectors: [{ package: "@autoimport/connector-shopify", settings: { costBucket: { maximumAvailable: 10, restorRate: 5 } } }] }, expect: /costBucket\.restorRate: unknown key, did you mean "restoreRate"\?/, oneLine: true },
    // Hostile shapes end in one plain line, not a stack trace.
    { name: "deeply nested --config", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "[".repeat(5000) + "]".repeat(5000)], expect: /^error: --config: nested deeper than 64 levels$/, oneLine: true },
    { name: "deeply nested edit patch", args: ["imports", "edit", "1", "--config", '{"a":'.repeat(20000) + "1" + "}".repeat(20000)], expect: /^error: --config: nested deeper than 64 levels$/, oneLine: true },
    { name: "deeply nested configuration file", args: ["imports", "list"], configText: nested(5000), expect: /autoimport\.config\.json: nested deeper than 64 levels$/, oneLine: true },
    { name: "unreadable database path", args: ["imports", "list"], env: { AUTOIMPORT_DATABASE_URL: "/proc/self/mem" }, expect: /^error: cannot use the SQLite database file \/proc\/self\/mem: /, oneLine: true },
    { name: "interval of 0s", args: ["imports", "list"], config: { interval: "0s" }, expect: /interval: expected a duration from 1s to 7d, got 0/, oneLine: true }
  ]

  for (const c of cases) {
    it.scopedLive(`${c.name}: exit 2 with a message, nothing written`, () =>
      Effect.gen(function*() {
        const cwd = yield* Cli.scratchDir
        writeFileSync(path.join(cwd, "import.json"), JSON.stringify(credentials))
        if (c.config !== undefined || c.configText !== undefined) {
          writeFileSync(path.join(cwd, "autoimport.config.json"), c.configText ?? JSON.stringify(c.config))
        }
        const result = yield* Cli.run(c.args, { cwd, env: c.env ?? {} })
        assert.strictEqual(result.code, 2, `${result.stdout}\n${result.stderr}`)
        assert.match(result.stderr.trim(), c.expect)
        if (c.oneLine) assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr)
        assert.strictEqual(result.stdout, "")
        nothingWritten(cwd)
      }), { timeout: 60_000 })
  }

  it.scopedLive("the embedded default creates its key file with mode 0600; another key refuses to start (exit 1) and changes nothing", () =>
    Effect.gen(function*() {
      const s = yield* sandbox("sqlite", { size: 10 })
      const created = yield* createImport(s)
      const keyFile = path.join(s.cwd, ".autoimport", "credentials.key")
      assert.strictEqual(statSync(keyFile).mode & 0o777, 0o600)
      assert.isTrue(existsSync(path.join(s.cwd, ".autoimport", "autoimport.db")))

      const otherKey = Buffer.alloc(32, 1).toString("base64")
      const refused = yield* Cli.run(["imports", "list"], { cwd: s.cwd, env: { AUTOIMPORT_CREDENTIALS_KEY: otherKey } })
      assert.strictEqual(refused.code, 1)
      assert.include(refused.stderr, `the credentials key does not decrypt import ${created.id} stored in this database (wrong key?)`)
      assert.include(refused.stderr, "Use the key the imports were encrypted with (AUTOIMPORT_CREDENTIALS_KEY, credentialsKey or the key file); nothing was changed")
      // With the right key everything is still there.
      const shown = yield* Cli.json<{ id: string }>(["imports", "show", created.id], s.options)
      assert.strictEqual(shown.id, created.id)
    }), { timeout: 60_000 })

  it.scopedLive("--help documents every command", () =>
    Effect.gen(function*() {
      const cwd = yield* Cli.scratchDir
      const help = yield* Cli.run(["--help"], { cwd })
      assert.strictEqual(help.code, 0)
      for (const command of ["connectors", "imports create", "imports list", "imports show", "imports edit", "imports delete", "sync", "runs", "contacts", "unsubscribe", "fields", "lists", "account", "run", "demo"]) {
        assert.include(help.stdout, command)
      }
    }), { timeout: 30_000 })
})
