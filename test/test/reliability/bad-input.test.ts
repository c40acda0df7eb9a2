/**
 * Issue 5.4: bad input of every class, at the level of the whole system. The runner's own tests
 * cover most configuration and plugin errors one by one (runner/test); here are the classes
 * they leave out: hostile source values and duplicate emails through a real sync on both
 * dialects, an unreadable config file, wrong types, a connector that throws while `run` loads
 * it, malformed import configs on edit, and the database unavailable at start and mid-run.
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import { serveFake } from "@autoimport/connector-kit/testing"
import { AccountId, type ExternalId } from "@autoimport/core/Domain"
import { layerPgTest, layerSqliteTest } from "@autoimport/store-sql/testing"
import { afterAll, assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { makeHarness } from "../../src/Harness.js"
import * as Figures from "../../src/reliability/Figures.js"
import * as History from "../../src/reliability/History.js"
import * as PgConnections from "../../src/reliability/PgConnections.js"
import * as Runner from "../../src/reliability/Runner.js"
import * as Scenario from "../../src/reliability/Scenario.js"
import { googleRecords } from "../../src/reliability/Subjects.js"

const figures = Figures.make(import.meta.filename)
afterAll(() => figures.save())

/** Values a source may hold; each must come back exactly (NUL bytes removed: docs/sync-rules.md). */
const hostile = {
  givenName: "Robert'); DROP TABLE contacts;-- \" ` \\ %_ $1 ? :name",
  familyName: "\u202Eשלום عليكم\u202C",
  company: "tab\there\nnew line\r\u0007bell \u001b[31mansi\u007f",
  jobTitle: "before\u0000after",
  department: "👩‍💻🚀 Zoë 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷽",
  notes: "€".repeat(350_000) // 1 MB of UTF-8 in one field value
}

for (const [dialect, storeLayer] of [["SQLite", layerSqliteTest], ["Postgres", layerPgTest]] as const) {
  layer(storeLayer, { timeout: 120_000 })(`hostile source values on ${dialect}`, (it) => {
    it.scoped("SQL metacharacters, control characters, NUL bytes, 1 MB values, emoji and right-to-left text are stored as given", () =>
      Effect.gen(function*() {
        const fake = makeGoogleFake({ seed: 71, size: 5 })
        const person = fake.dataset.add({ ...hostile, email: "o'brien+tables@example.com", phone: "+1 555 0100; DELETE FROM contacts" })
        const skipped = [
          fake.dataset.add({ email: "x@example.com'; DROP TABLE contacts;--" }),
          fake.dataset.add({ email: "nul\u0000@example.com" }),
          fake.dataset.add({ email: "\u202Eevil@example.com" })
        ]
        const { url } = yield* serveFake(fake.handlers)
        const h = yield* makeHarness([{ connector: googleContacts, settings: Schema.decodeUnknownSync(googleContacts.settings)(fake.settings(url)) }])
        const accountId = AccountId.make(`hostile-${process.pid}-${dialect}`)
        const config = Schema.encodeSync(googleContacts.config)(fake.credentials)
        const { importId } = yield* h.createImport({ accountId, connector: googleContacts, name: "hostile", config })
        const [run] = yield* h.syncUntilDone(importId)
        assert.strictEqual(run!.outcome, "caught-up", run!.message ?? "")
        figures.add("badInputs", Object.keys(hostile).length + 1 + skipped.length)

        const [contact] = yield* h.store.listContacts({ accountId, email: "o'brien+tables@example.com" })
        assert.isDefined(contact, "the contact with an apostrophe in its address is there")
        assert.strictEqual(contact!.firstName, hostile.givenName)
        assert.strictEqual(contact!.lastName, hostile.familyName)
        assert.strictEqual(contact!.phone, "+1 555 0100; DELETE FROM contacts")
        assert.strictEqual(contact!.fields["GOOGLE_CONTACTS_COMPANY"], hostile.company)
        assert.strictEqual(contact!.fields["GOOGLE_CONTACTS_JOB_TITLE"], "beforeafter")
        assert.strictEqual(contact!.fields["GOOGLE_CONTACTS_DEPARTMENT"], hostile.department)
        assert.strictEqual(contact!.fields["GOOGLE_CONTACTS_NOTES"], hostile.notes)
        for (const bad of skipped) {
          const [skip] = yield* h.store.findSkips(accountId, bad.resourceName)
          assert.strictEqual(skip?.reason, "InvalidEmail", JSON.stringify(bad.email))
        }
        // Everything else is intact (no statement was cut short or injected).
        assert.strictEqual(yield* h.store.countContacts(accountId), fake.expectedEmails().size)
        assert.deepStrictEqual(
          yield* Scenario.verify(h.store, accountId, importId, (yield* Effect.orDie(h.store.getImport(importId))).listIds[0]!, googleRecords(fake), googleRecords(fake), new Set()),
          []
        )
        // Unchanged hostile values are recognized as unchanged: nothing is rewritten.
        fake.faults.expireCursors()
        const [again] = yield* h.syncUntilDone(importId)
        assert.strictEqual(again!.counts.updated + again!.counts.added, 0)
        assert.strictEqual(person.email, "o'brien+tables@example.com")
      }))

    it.scoped("two records with one email in one page: one contact, the later record's values, both linked", () =>
      Effect.gen(function*() {
        const fake = makeGoogleFake({ seed: 72, size: 3, missingEmailRatio: 0, invalidEmailRatio: 0, duplicateEmailRatio: 0 })
        const first = fake.dataset.add({ email: "Twin.Person@Example.COM", company: "First Ltd", givenName: "Earlier" })
        const second = fake.dataset.add({ email: "  twin.person@example.com ", company: "Second Ltd", givenName: "Later" })
        const { url } = yield* serveFake(fake.handlers)
        const h = yield* makeHarness([{ connector: googleContacts, settings: Schema.decodeUnknownSync(googleContacts.settings)(fake.settings(url)) }])
        const accountId = AccountId.make(`twins-${process.pid}-${dialect}`)
        const { importId } = yield* h.createImport({ accountId, connector: googleContacts, name: "twins", config: Schema.encodeSync(googleContacts.config)(fake.credentials) })
        const [run] = yield* h.syncUntilDone(importId)
        assert.strictEqual(run!.counts.fetched, 5, "one page")
        const twins = yield* h.store.listContacts({ accountId, email: "twin.person@example.com" })
        assert.strictEqual(twins.length, 1)
        assert.strictEqual(twins[0]!.firstName, "Later")
        assert.strictEqual(twins[0]!.fields["GOOGLE_CONTACTS_COMPANY"], "Second Ltd")
        const links = yield* h.store.loadLinks(importId, [first.resourceName as ExternalId, second.resourceName as ExternalId])
        assert.deepStrictEqual([...links.values()].map((l) => l.email), ["twin.person@example.com", "twin.person@example.com"])
        figures.add("badInputs")
      }))
  })
}

describe("bad configuration and plugins, through the binary", () => {
  const refused = (config: unknown, args: ReadonlyArray<string>, expect: RegExp, setup?: (cwd: string) => void) =>
    Effect.gen(function*() {
      const cwd = yield* Runner.scratchDir
      if (setup) setup(cwd)
      else writeFileSync(path.join(cwd, "autoimport.config.json"), JSON.stringify(config))
      const result = yield* Runner.run(args, cwd, {})
      assert.strictEqual(result.code, 2, `${args.join(" ")}\n${result.stderr}`)
      assert.match(result.stderr, expect)
      assert.deepStrictEqual(readdirSync(cwd).filter((f) => f !== "autoimport.config.json"), [], "nothing written")
      figures.add("badInputs")
    })

  it.scopedLive("an unreadable config file", () =>
    refused(undefined, ["run", "--once"], /autoimport\.config\.json: cannot read the file/, (cwd) => mkdirSync(path.join(cwd, "autoimport.config.json"))), 60_000)

  it.scopedLive("wrong types name their key", () =>
    Effect.gen(function*() {
      yield* refused({ connectors: { package: "@autoimport/connector-google-contacts" } }, ["run", "--once"], /connectors: /)
      yield* refused({ http: { port: "eighty" } }, ["run", "--once"], /http\.port: /)
      yield* refused({ concurrency: 1.5 }, ["run", "--once"], /concurrency: /)
      yield* refused({ database: 42 }, ["run", "--once"], /database: /)
      yield* refused([], ["run", "--once"], /expected/i)
    }), 120_000)

  it.scopedLive("a connector that throws while `run` loads it", () =>
    refused({ connectors: [path.join(import.meta.dirname, "fixtures", "throws-on-load.mjs")] }, ["run"], /connector fixture exploded while loading/), 60_000)
})

describe("malformed import configs and an unavailable database, through the binary", () => {
  it.scopedLive("a wrong credential shape is refused on create and on edit; the stored import is unchanged", () =>
    Effect.gen(function*() {
      const s = yield* Runner.sandbox("sqlite", { fake: { seed: 73, size: 20 }, pageSize: 20, batchCap: 100 })
      const id = yield* s.createImport()
      const before = (yield* s.cli(["imports", "show", id, "--json"])).stdout
      for (const [args, expect] of [
        [["imports", "create", "google-contacts", "--name", "x", "--config", JSON.stringify({ clientId: "a", clientSecret: 42, refreshToken: "r" })], /clientSecret/],
        [["imports", "create", "google-contacts", "--name", "x", "--config", JSON.stringify({ clientId: ["a"], clientSecret: "s", refreshToken: "r", extra: 1 })], /clientId/],
        [["imports", "edit", id, "--config", JSON.stringify({ refreshToken: { token: "r" } })], /refreshToken/],
        [["imports", "edit", id, "--config", JSON.stringify({ clientId: null })], /clientId/]
      ] as const) {
        const result = yield* s.cli(args)
        assert.strictEqual(result.code, 2, `${args.join(" ")}\n${result.stderr}`)
        assert.match(result.stderr, expect)
        figures.add("badInputs")
      }
      assert.strictEqual((yield* s.cli(["imports", "show", id, "--json"])).stdout, before)
      assert.strictEqual(JSON.parse((yield* s.cli(["imports", "list", "--json"])).stdout).length, 1)
    }), 120_000)

  it.scopedLive("a database that is unavailable at start is a clear error (Postgres down: exit 1; an unusable SQLite path: exit 2), without echoing the URL's password", () =>
    Effect.gen(function*() {
      const cwd = yield* Runner.scratchDir
      writeFileSync(path.join(cwd, "not-a-directory"), "")
      for (const [database, code, expect] of [
        ["postgres://postgres:hunter2@127.0.0.1:1/test", 1, /cannot open the database/],
        [`sqlite:${path.join(cwd, "not-a-directory", "autoimport.db")}`, 2, /cannot use the SQLite database file .*: cannot create its directory/]
      ] as const) {
        const result = yield* Runner.run(["run", "--once"], cwd, { AUTOIMPORT_DATABASE_URL: database, AUTOIMPORT_CREDENTIALS_KEY: Buffer.alloc(32, 3).toString("base64") }, 90_000)
        assert.strictEqual(result.code, code, result.stderr)
        assert.match(result.stderr, expect)
        assert.notInclude(result.stderr + result.stdout, "hunter2")
        figures.add("badInputs")
      }
    }), 180_000)

  it.scopedLive("Postgres connections cut in the middle of `run`: the runner stays up, syncs go on, nothing lost or duplicated", () =>
    Effect.gen(function*() {
      const s = yield* Runner.sandbox("postgres", { fake: { seed: 74, size: 3_000 }, pageSize: 20, batchCap: 500 })
      const id = yield* s.createImport()
      const { sql, store } = yield* s.openStore
      const account = (yield* Effect.orDie(store.getImport(id))).accountId
      const runner = yield* Runner.spawnScoped(["run"], s.cwd, s.env)
      // The runner must survive every cut: a failed poll or sync is logged, the next one goes on.
      const supervise = Effect.suspend(() =>
        runner.child.exitCode === null && runner.child.signalCode === null
          ? Effect.void
          : Effect.sync(() => assert.fail(`the runner fell over after a connection cut:\n${runner.output().stderr.slice(-3000)}`))
      )
      let cuts = 0
      for (let attempt = 0; cuts < 3 && attempt < 600; attempt++) {
        yield* Runner.sleep(100)
        yield* supervise
        const [last] = yield* store.listRuns(id, 1)
        if (last?.outcome !== "running" || (yield* store.countContacts(account)) === 0) continue
        const terminated = yield* PgConnections.terminate(runner.child.pid!).pipe(Effect.provideService(sqlTag, sql))
        if (terminated > 0) cuts++
        yield* Runner.sleep(1_000)
      }
      assert.strictEqual(cuts, 3, `connections cut while syncing\n${runner.output().stderr}`)
      figures.add("faults", cuts)
      figures.add("badInputs", cuts)

      for (let waited = 0; ; waited += 250) {
        yield* supervise
        const [last] = yield* store.listRuns(id, 1)
        if (last?.outcome === "caught-up" && s.fake.expectedEmails().size === (yield* store.countContacts(account))) break
        if (waited > 120_000) return assert.fail(`no recovery:\n${runner.output().stderr.slice(-3000)}`)
        yield* Runner.sleep(250)
      }
      runner.child.kill("SIGTERM")
      assert.strictEqual((yield* Effect.promise(() => runner.exited)).code, 0)
      const runs = yield* store.listRuns(id, 1000)
      const imp = yield* Effect.orDie(store.getImport(id))
      const records = googleRecords(s.fake)
      assert.deepStrictEqual([...(yield* Scenario.verify(store, account, id, imp.listIds[0]!, records, records, new Set())), ...History.overlaps(runs)], [])
      console.log(`connections cut mid-run: ${cuts}, the runner stayed up; runs: ${runs.map((r) => `${r.outcome}${r.message ? ` (${r.message.slice(0, 100)})` : ""}`).join("; ")}`)
      figures.add("scenarios")
    }), 300_000)
})

const sqlTag = (await import("@effect/sql/SqlClient")).SqlClient
