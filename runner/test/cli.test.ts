/**
 * The built `autoimport` binary end to end, as a child process, against the Google Contacts
 * fake served by the test on a loopback port — on SQLite (the embedded default) and on Postgres
 * (a fresh schema per test).
 */
import { makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import { serveFake } from "@autoimport/connector-kit/testing"
import { pgTestUrl } from "@autoimport/store-sql/testing"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./support/cli.js"

const connectorPackage = "@autoimport/connector-google-contacts"

interface Sandbox {
  readonly cwd: string
  readonly env: Record<string, string>
  readonly fake: ReturnType<typeof makeGoogleFake>
  readonly options: Cli.Options
  /** Rewrites the configuration file with other connector settings. */
  readonly configure: (settings?: Record<string, unknown>) => void
}

/** A working directory with a configuration that points the connector at a fresh fake. */
const sandbox = (dialect: "sqlite" | "postgres", fakeOptions: Parameters<typeof makeGoogleFake>[0] = {}, settings: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const cwd = yield* Cli.scratchDir
    const fake = makeGoogleFake({ seed: 11, size: 300, ...fakeOptions })
    const { url } = yield* serveFake(fake.handlers)
    const configure = (extra: Record<string, unknown> = settings) =>
      writeFileSync(
        path.join(cwd, "autoimport.config.json"),
        JSON.stringify({ connectors: [{ package: connectorPackage, settings: { ...fake.settings(url), requestsPerMinute: 6000, ...extra } }] })
      )
    configure()
    writeFileSync(
      path.join(cwd, "import.json"),
      JSON.stringify({
        clientId: fake.credentials.clientId,
        clientSecret: Redacted.value(fake.credentials.clientSecret),
        refreshToken: Redacted.value(fake.credentials.refreshToken)
      })
    )
    const env: Record<string, string> = dialect === "postgres" ? { AUTOIMPORT_DATABASE_URL: yield* pgTestUrl } : {}
    return { cwd, env, fake, options: { cwd, env }, configure } satisfies Sandbox
  })

const createImport = (s: Sandbox, ...extra: Array<string>) =>
  Cli.json<{ id: string; config: Record<string, unknown> }>(
    ["imports", "create", "google-contacts", "--name", "My contacts", "--config", "@import.json", ...extra],
    s.options
  )

interface RunJson {
  readonly id: string
  readonly outcome: string
  readonly fetched: number
  readonly added: number
  readonly skipped: number
  readonly message: string | null
  readonly skips?: ReadonlyArray<{ reason: string; email: string | null; externalId: string }>
}

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`autoimport CLI on ${dialect}`, () => {
    it.scopedLive("create an import → sync --until-done → contacts, fields and runs as JSON", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect)
        const secret = Redacted.value(s.fake.credentials.refreshToken)
        const created = yield* createImport(s, "--list", "Friends & Family")
        assert.strictEqual(created.config.refreshToken, "<redacted>")
        assert.strictEqual(created.config.clientSecret, "<redacted>")

        const options = { ...s.options, env: { ...s.env, AUTOIMPORT_BATCH_CAP: "120" } }
        const sync = yield* Cli.run(["sync", created.id, "--until-done", "--json"], options)
        assert.strictEqual(sync.code, 0, sync.stderr)
        const batches = JSON.parse(sync.stdout) as Array<RunJson>
        assert.deepStrictEqual(batches.map((b) => b.outcome), ["batch-cap", "batch-cap", "caught-up"])
        assert.strictEqual(batches.reduce((n, b) => n + b.fetched, 0), 300)
        assert.match(sync.stderr, /batch 1: batch-cap, fetched 120 \(120 in all\)/)
        assert.match(sync.stderr, /batch 3: caught-up/)

        const contacts = yield* Cli.json<{ contacts: Array<{ email: string; fields: Record<string, string>; lists: Array<{ name: string; status: string }> }> }>(
          ["contacts", "--limit", "10000"],
          s.options
        )
        assert.deepStrictEqual(new Set(contacts.contacts.map((c) => c.email)), s.fake.expectedEmails())
        assert.isTrue(contacts.contacts.every((c) => c.lists.some((l) => l.name === "Friends & Family" && l.status === "active")))
        assert.isTrue(contacts.contacts.some((c) => "GOOGLE_CONTACTS_COMPANY" in c.fields), "custom field values by personalization tag")

        const fields = yield* Cli.json<Array<{ title: string; tag: string; connector: string }>>(["fields"], s.options)
        assert.includeDeepMembers(fields.map((f) => [f.title, f.tag, f.connector]), [["Google Contacts Company", "GOOGLE_CONTACTS_COMPANY", "google-contacts"]])

        const runs = yield* Cli.json<Array<RunJson>>(["runs", created.id, "--skips"], s.options)
        assert.deepStrictEqual(runs.map((r) => r.id), batches.map((b) => b.id).reverse(), "newest first")
        const skips = runs.flatMap((r) => r.skips ?? [])
        assert.strictEqual(skips.length, runs.reduce((n, r) => n + r.skipped, 0))
        assert.includeMembers([...new Set(skips.map((k) => k.reason))], ["InvalidEmail", "MissingEmail"])

        // "Why is this contact not here?": an email search shows the skipped source record.
        const invalid = skips.find((k) => k.reason === "InvalidEmail")!
        const lookup = yield* Cli.json<{ contacts: Array<unknown>; skipped: Array<{ externalId: string; reason: string }> }>(
          ["contacts", "--email", invalid.email!],
          s.options
        )
        assert.deepStrictEqual(lookup.contacts, [])
        assert.includeDeepMembers(lookup.skipped.map((k) => [k.externalId, k.reason]), [[invalid.externalId, "InvalidEmail"]])

        const connectors = yield* Cli.json<Array<{ id: string; imports: number; fields: Array<{ tag: string }> }>>(["connectors"], s.options)
        assert.deepStrictEqual(connectors.map((c) => [c.id, c.imports]), [["google-contacts", 1]])

        // Secrets never reach any output.
        for (const args of [["imports", "show", created.id], ["imports", "show", created.id, "--json"], ["imports", "list", "--json"]]) {
          const out = yield* Cli.run(args, s.options)
          assert.strictEqual(out.code, 0, out.stderr)
          assert.notInclude(out.stdout + out.stderr, secret)
          assert.include(out.stdout, "<redacted>")
        }
      }), { timeout: 120_000 })

    it.scopedLive("unsubscribed stays unsubscribed; edit and delete keep the contacts", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect, { size: 40 })
        const created = yield* createImport(s)
        yield* Cli.json(["sync", created.id, "--until-done"], s.options)
        const email = [...s.fake.expectedEmails()][0]!
        const unsubscribed = yield* Cli.json<{ unsubscribed: boolean }>(["contacts", "unsubscribe", email], s.options)
        assert.isTrue(unsubscribed.unsubscribed)

        const person = [...s.fake.expected()].find((p) => p.email?.trim().toLowerCase() === email)!
        s.fake.dataset.edit(person.externalId, { givenName: "Renamed" } as never)
        const edited = yield* Cli.json<{ name: string; config: Record<string, unknown> }>(
          ["imports", "edit", created.id, "--name", "Renamed import", "--config", JSON.stringify({ contactGroup: null })],
          s.options
        )
        assert.strictEqual(edited.name, "Renamed import")
        assert.strictEqual(edited.config.refreshToken, "<redacted>", "a merge patch keeps the secrets")
        yield* Cli.json(["sync", created.id, "--until-done"], s.options)
        const after = yield* Cli.json<{ contacts: Array<{ lists: Array<{ status: string }> }> }>(["contacts", "--email", email], s.options)
        assert.deepStrictEqual(after.contacts[0]!.lists.map((l) => l.status), ["unsubscribed"])

        const before = (yield* Cli.json<{ contacts: Array<unknown> }>(["contacts", "--limit", "1000"], s.options)).contacts.length
        yield* Cli.json(["imports", "delete", created.id], s.options)
        assert.deepStrictEqual(yield* Cli.json(["imports", "list"], s.options), [])
        assert.strictEqual((yield* Cli.json<{ contacts: Array<unknown> }>(["contacts", "--limit", "1000"], s.options)).contacts.length, before)
        const gone = yield* Cli.run(["imports", "show", created.id], s.options)
        assert.strictEqual(gone.code, 2)
        assert.include(gone.stderr, `there is no import with id ${created.id}`)
      }), { timeout: 120_000 })

    it.scopedLive("the contact limit stops new contacts plainly; raising it continues where it stopped", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect, { size: 60 })
        const created = yield* createImport(s)
        const account = yield* Cli.json<{ contactLimit: number | null }>(["account", "--contact-limit", "10"], s.options)
        assert.strictEqual(account.contactLimit, 10)
        const stopped = yield* Cli.run(["sync", created.id, "--until-done"], s.options)
        assert.strictEqual(stopped.code, 0, stopped.stderr)
        assert.include(stopped.stdout, "contact limit of 10 is reached")
        assert.strictEqual((yield* Cli.json<{ contactCount: number }>(["account"], s.options)).contactCount, 10)

        yield* Cli.json(["account", "--contact-limit", "none"], s.options)
        const resumed = yield* Cli.json<Array<RunJson>>(["sync", created.id, "--until-done"], s.options)
        assert.strictEqual(resumed[resumed.length - 1]!.outcome, "caught-up")
        const all = yield* Cli.json<{ contacts: Array<{ email: string }> }>(["contacts", "--limit", "1000"], s.options)
        assert.deepStrictEqual(new Set(all.contacts.map((c) => c.email)), s.fake.expectedEmails())
      }), { timeout: 120_000 })

    it.scopedLive("run --once syncs what is due and exits", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect, { size: 50 })
        const created = yield* createImport(s)
        const first = yield* Cli.json<Array<RunJson>>(["run", "--once"], s.options)
        assert.deepStrictEqual(first.map((r) => [r.outcome, r.fetched]), [["caught-up", 50]])
        assert.deepStrictEqual(yield* Cli.json(["run", "--once"], s.options), [], "not due again before its interval")
        const shown = yield* Cli.json<{ lastRunAt: string | null; nextRunAt: string | null }>(["imports", "show", created.id], s.options)
        assert.isNotNull(shown.lastRunAt)
        assert.isAbove(Date.parse(shown.nextRunAt!) - Date.parse(shown.lastRunAt!), 29 * 60_000)
      }), { timeout: 120_000 })

    it.scopedLive("run serves health, readiness, metrics and the admin API; SIGTERM mid-sync exits 0 and leaves the store consistent", () =>
      Effect.gen(function*() {
        // Small pages at one request per 5 s (after a burst of two): the first sync commits pages
        // at once, then takes minutes — ample time to interrupt it, even on a loaded machine.
        const s = yield* sandbox(dialect, { size: 400 }, { pageSize: 20, requestsPerMinute: 12 })
        const created = yield* createImport(s)
        const env = { ...s.env, AUTOIMPORT_HTTP_PORT: "0", AUTOIMPORT_ADMIN_TOKEN: "test-token", AUTOIMPORT_POLL_INTERVAL: "1s" }
        const runner = yield* Cli.spawnScoped(["run"], { cwd: s.cwd, env })
        const [, base] = yield* runner.waitFor(/Listening on (http:\/\/[0-9.:]+)/)

        const get = (route: string, token?: string) =>
          Effect.promise(() => fetch(`${base}${route}`, token ? { headers: { authorization: `Bearer ${token}` } } : {}))
        assert.strictEqual((yield* get("/healthz")).status, 200)
        assert.strictEqual((yield* get("/readyz")).status, 200)
        assert.strictEqual((yield* get("/api/imports")).status, 401)
        const authorized = yield* get("/api/imports", "test-token")
        const imports = (yield* Effect.promise(() => authorized.json())) as { imports: Array<{ id: string; config: { refreshToken: string } }> }
        assert.deepStrictEqual(imports.imports.map((i) => [i.id, i.config.refreshToken]), [[created.id, "<redacted>"]])

        // Wait until the first sync is under way and has committed pages.
        yield* Effect.gen(function*() {
          const runs = yield* Cli.json<Array<RunJson>>(["runs", created.id], s.options)
          const contacts = yield* Cli.json<{ contacts: Array<unknown> }>(["contacts", "--limit", "1000"], s.options)
          if (runs[0]?.outcome !== "running" || contacts.contacts.length === 0) return yield* Effect.fail(new Error("not yet"))
        }).pipe(
          Effect.retry({ while: (e) => e.message === "not yet", schedule: Schedule.spaced("200 millis") }),
          Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`the sync did not get under way:\n${runner.output().stderr}`) })
        )

        yield* runner.signal("SIGTERM")
        const exit = yield* runner.exit("30 seconds")
        assert.strictEqual(exit.code, 0, exit.stderr)

        const runs = yield* Cli.json<Array<RunJson>>(["runs", created.id], s.options)
        assert.deepStrictEqual(runs.map((r) => r.outcome), ["interrupted"])
        const contacts = (yield* Cli.json<{ contacts: Array<unknown> }>(["contacts", "--limit", "1000"], s.options)).contacts.length
        assert.isAbove(contacts, 0)
        assert.isBelow(contacts, s.fake.expectedEmails().size, "stopped before the end")

        // What was committed stays; the next sync continues from there and ends exactly complete.
        s.configure({ pageSize: 20 })
        const resumed = yield* Cli.json<Array<RunJson>>(["sync", created.id, "--until-done"], s.options)
        assert.strictEqual(resumed[resumed.length - 1]!.outcome, "caught-up")
        const all = yield* Cli.json<{ contacts: Array<{ email: string }> }>(["contacts", "--limit", "1000"], s.options)
        assert.deepStrictEqual(new Set(all.contacts.map((c) => c.email)), s.fake.expectedEmails())
      }), { timeout: 180_000 })
  })
}

describe("autoimport run", () => {
  it.scopedLive("logs JSON lines on stderr and counts syncs, contacts and skips by reason in /metrics", () =>
    Effect.gen(function*() {
      const s = yield* sandbox("sqlite", { size: 60 })
      const created = yield* createImport(s)
      const runner = yield* Cli.spawnScoped(["run"], { cwd: s.cwd, env: { ...s.env, AUTOIMPORT_HTTP_PORT: "0" } })
      const [, base] = yield* runner.waitFor(/Listening on (http:\/\/[0-9.:]+)/)
      yield* runner.waitFor(/"sync finished"/)
      const metrics = yield* Effect.promise(() => fetch(`${base}/metrics`).then((r) => r.text()))
      const runs = yield* Cli.json<Array<RunJson & { skips: Array<{ reason: string }> }>>(["runs", created.id, "--skips"], s.options)
      const run = runs[0]!
      assert.include(metrics, `autoimport_syncs_total{connector="google-contacts",outcome="caught-up"} 1`)
      assert.include(metrics, `autoimport_contacts_added_total{connector="google-contacts"} ${run.added}`)
      const invalid = run.skips.filter((k) => k.reason === "InvalidEmail").length
      assert.include(metrics, `autoimport_contacts_skipped_total{connector="google-contacts",reason="InvalidEmail"} ${invalid}`)
      assert.include(metrics, "# TYPE autoimport_sync_duration_seconds histogram")
      assert.include(metrics, `autoimport_sync_duration_seconds_count{connector="google-contacts"} 1`)

      // The admin API serves the CLI's views; without a token configured it is open on loopback.
      const api = (route: string) =>
        Effect.promise(async () => {
          const response = await fetch(`${base}/api${route}`)
          return { status: response.status, body: await response.json() as any }
        })
      const fields = yield* api("/fields")
      assert.include(fields.body.fields.map((f: { tag: string }) => f.tag), "GOOGLE_CONTACTS_COMPANY")
      const contacts = yield* api("/contacts?limit=5")
      assert.strictEqual(contacts.body.contacts.length, 5)
      const connectors = yield* api("/connectors")
      assert.deepStrictEqual(connectors.body.connectors.map((c: { id: string; imports: number }) => [c.id, c.imports]), [["google-contacts", 1]])
      const history = yield* api(`/imports/${created.id}/runs?skips=true`)
      assert.strictEqual(history.body.runs[0].skips.length, run.skipped)
      assert.strictEqual((yield* api("/imports/999")).status, 404)
      assert.strictEqual((yield* api("/contacts?list=nope")).status, 404)
      assert.strictEqual((yield* api("/contacts?limit=zero")).status, 400)

      // The setup page, and creating an import through the API: validated like the CLI's, synced at once.
      const page = yield* Effect.promise(() => fetch(`${base}/`))
      assert.strictEqual(page.status, 200)
      assert.include(page.headers.get("content-type"), "text/html")
      assert.include(yield* Effect.promise(() => page.text()), "Set up an import")
      const post = (body: unknown, contentType = "application/json") =>
        Effect.promise(async () => {
          const response = await fetch(`${base}/api/imports`, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) })
          return { status: response.status, body: await response.json() as any }
        })
      const config = JSON.parse(readFileSync(path.join(s.cwd, "import.json"), "utf8"))
      assert.strictEqual((yield* post({ connector: "google-contacts", name: "Form", config }, "text/plain")).status, 415)
      const rejected = yield* post({ connector: "google-contacts", name: "Form", config: { clientId: "x" } })
      assert.strictEqual(rejected.status, 400)
      assert.include(rejected.body.error, "clientSecret")
      assert.strictEqual((yield* post({ connector: "nope", name: "Form", config })).status, 400)
      const made = yield* post({ connector: "google-contacts", name: "Form", list: "From the form", config })
      assert.strictEqual(made.status, 201)
      assert.deepStrictEqual([made.body.name, made.body.lists, made.body.config.refreshToken], ["Form", ["From the form"], "<redacted>"])
      yield* runner.waitFor(new RegExp(`"sync finished".*"importId":"${made.body.id}"`))

      yield* runner.signal("SIGINT")
      const exit = yield* runner.exit()
      assert.strictEqual(exit.code, 0)
      const lines = exit.stderr.trim().split("\n")
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line)
      const finished = lines.map((l) => JSON.parse(l)).find((l) => l.message === "sync finished")
      assert.strictEqual(finished.annotations.importId, created.id)
      assert.strictEqual(finished.annotations.outcome, "caught-up")
      assert.strictEqual(exit.stdout, "")
    }), { timeout: 60_000 })
})

// Independent child processes in scratch directories: they may run side by side.
describe.concurrent("autoimport CLI input handling", () => {
  const nothingWritten = (cwd: string) =>
    assert.deepStrictEqual(readdirSync(cwd).filter((f) => f !== "autoimport.config.json" && f !== "import.json"), [], "nothing written")

  const cases: ReadonlyArray<{ readonly name: string; readonly args: ReadonlyArray<string>; readonly env?: Record<string, string>; readonly config?: unknown; readonly expect: RegExp }> = [
    { name: "unknown command", args: ["frobnicate"], expect: /frobnicate|Invalid subcommand|unknown/i },
    { name: "missing argument", args: ["sync"], expect: /import-id|Missing/i },
    { name: "bad --config JSON", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "{nope"], expect: /--config: not valid JSON/ },
    { name: "config that does not match the connector", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "{\"clientId\":\"a\"}"], expect: /--config: .*clientSecret/ },
    { name: "unknown connector", args: ["imports", "create", "nope", "--name", "x", "--config", "{}"], expect: /connector "nope" is not loaded/ },
    { name: "empty name", args: ["imports", "create", "google-contacts", "--name", " ", "--config", "@import.json"], expect: /--name: must not be empty/ },
    { name: "missing @file", args: ["imports", "create", "google-contacts", "--name", "x", "--config", "@nope.json"], expect: /--config: cannot read nope.json/ },
    { name: "bad contact limit", args: ["account", "--contact-limit", "lots"], expect: /--contact-limit: expected a whole number/ },
    { name: "bad email", args: ["contacts", "unsubscribe", "not-an-email"], expect: /not a valid email address/ },
    { name: "bad config value", args: ["imports", "list"], config: { batchCap: -1 }, expect: /batchCap: expected a positive integer/ },
    { name: "misspelt config key", args: ["imports", "list"], config: { intervall: "5m" }, expect: /intervall/ },
    { name: "bad environment variable", args: ["imports", "list"], env: { AUTOIMPORT_INTERVAL: "often" }, expect: /AUTOIMPORT_INTERVAL: expected a duration/ },
    { name: "connector package not found", args: ["connectors"], config: { connectors: ["@acme/nope"] }, expect: /connectors\[0\]: connector package "@acme\/nope" was not found/ },
    { name: "connector that is not one", args: ["connectors"], config: { connectors: [path.join(import.meta.dirname, "fixtures", "not-a-connector.mjs")] }, expect: /has no connector as its default export/ },
    { name: "connector settings", args: ["connectors"], config: { connectors: [{ package: connectorPackage, settings: { pageSize: 5000 } }] }, expect: /connectors\[0\]\.settings \(google-contacts\).*pageSize/ }
  ]

  for (const c of cases) {
    it.scopedLive(`${c.name}: exit 2 with a message, nothing written`, () =>
      Effect.gen(function*() {
        const cwd = yield* Cli.scratchDir
        writeFileSync(path.join(cwd, "import.json"), JSON.stringify({ clientId: "a", clientSecret: "b", refreshToken: "c" }))
        if (c.config !== undefined) writeFileSync(path.join(cwd, "autoimport.config.json"), JSON.stringify(c.config))
        const result = yield* Cli.run(c.args, { cwd, env: c.env ?? {} })
        assert.strictEqual(result.code, 2, `${result.stdout}\n${result.stderr}`)
        assert.match(result.stderr, c.expect)
        assert.strictEqual(result.stdout, "")
        nothingWritten(cwd)
      }), { timeout: 30_000 })
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
      assert.include(refused.stderr, "the credentials key does not decrypt the imports stored in this database")
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

describe("autoimport demo", () => {
  it.scopedLive("runs to its first completed syncs on the embedded SQLite, in its own directory, and again from clean", () =>
    Effect.gen(function*() {
      const cwd = yield* Cli.scratchDir
      for (let round = 0; round < 2; round++) {
        const demo = yield* Cli.run(["demo", "--exit-after-sync"], { cwd, env: { AUTOIMPORT_DATABASE_URL: "postgres://must-not-be-used/x" }, timeout: "90 seconds" })
        assert.strictEqual(demo.code, 0, demo.stderr)
        assert.match(demo.stderr, /batch 1: fetched 500/)
        assert.match(demo.stderr, /caught up/)
        assert.match(demo.stderr, /\d+ InvalidEmail/)
        assert.match(demo.stderr, /try next/)
        assert.isTrue(existsSync(path.join(cwd, ".autoimport", "demo", "autoimport.db")))
        assert.isFalse(existsSync(path.join(cwd, ".autoimport", "autoimport.db")), "the demo never touches the real database")
        const [, contactCount] = demo.stderr.match(/done: (\d+) contacts/)!
        const imports = yield* Cli.json<Array<{ id: string }>>(["--config", ".autoimport/demo/autoimport.config.json", "imports", "list"], { cwd })
        const created = [...demo.stderr.matchAll(/created import (\d+)/g)].map((m) => m[1])
        assert.deepStrictEqual(imports.map((i) => i.id), created)
        assert.strictEqual(created[0], "1", "started clean")
        const contacts = yield* Cli.json<{ contacts: Array<unknown> }>(["--config", ".autoimport/demo/autoimport.config.json", "contacts", "--limit", "100000"], { cwd })
        assert.strictEqual(contacts.contacts.length, Number(contactCount))
      }
    }), { timeout: 240_000 })
})
