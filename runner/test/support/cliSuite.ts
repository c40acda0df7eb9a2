/**
 * The built `autoimport` binary end to end, as a child process, against the Google Contacts
 * fake served by the test on a loopback port — on SQLite (the embedded default) and on Postgres
 * (a fresh schema per test).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./cli.js"
import { createImport, type RunJson, sandbox } from "./sandbox.js"

/** The end-to-end suite on one dialect; each dialect has its own test file, so they run side by side. */
export const cliSuite = (dialect: "sqlite" | "postgres") => {
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
        // The fourth pass, from the new sync token, confirms nothing changed while the listing was paged.
        assert.deepStrictEqual(batches.map((b) => b.outcome), ["batch-cap", "batch-cap", "caught-up", "caught-up"])
        assert.deepStrictEqual([batches[3]!.added, batches[3]!.updated], [0, 0])
        assert.strictEqual(batches.reduce((n, b) => n + b.fetched, 0), 300)
        assert.match(sync.stderr, /batch 1: batch-cap, fetched 120 \(120 in all\)/)
        assert.match(sync.stderr, /batch 4: caught-up/)

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
        const misspelt = yield* Cli.run(["imports", "edit", created.id, "--config", JSON.stringify({ contactgroup: "friends" })], s.options)
        assert.strictEqual(misspelt.code, 2, "a misspelt criterion is refused, not dropped (it would import everything)")
        assert.include(misspelt.stderr, `contactgroup: unknown key, did you mean "contactGroup"?`)
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

        // Its history stays readable, marked as deleted.
        const all = yield* Cli.json<Array<{ id: string; deletedAt: string | null }>>(["imports", "list", "--all"], s.options)
        assert.deepStrictEqual(all.map((i) => [i.id, i.deletedAt !== null]), [[created.id, true]])
        const history = yield* Cli.run(["runs", created.id, "--json"], s.options)
        assert.strictEqual(history.code, 0, history.stderr)
        assert.isAbove((JSON.parse(history.stdout) as Array<RunJson>).length, 0)
        assert.include(history.stderr, `import ${created.id} ("Renamed import") was deleted`)
        const table = yield* Cli.run(["runs", created.id, "--skips"], s.options)
        assert.strictEqual(table.code, 0, table.stderr)
        assert.include(table.stdout, "was deleted")
        assert.include(table.stdout, "Skipped records:")
        const listed = yield* Cli.run(["imports", "list", "--all"], s.options)
        assert.match(listed.stdout, /deleted/)
      }), { timeout: 120_000 })

    it.scopedLive("the contact limit stops new contacts plainly; raising it continues where it stopped", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect, { size: 60 })
        const created = yield* createImport(s)
        const account = yield* Cli.json<{ contactLimit: number | null }>(["account", "--contact-limit", "10"], s.options)
        assert.strictEqual(account.contactLimit, 10)
        const stopped = yield* Cli.run(["sync", created.id, "--until-done"], s.options)
        assert.strictEqual(stopped.code, 3, `stopped, will continue: exit 3\n${stopped.stderr}`)
        assert.include(stopped.stdout, "contact limit of 10 is reached")
        const limited = yield* Cli.json<{ contactCount: number; deferredCount: number }>(["account"], s.options)
        assert.strictEqual(limited.contactCount, 10)
        assert.isAbove(limited.deferredCount, 0, "the other new contacts wait")
        const waiting = yield* Cli.json<{ deferred: number }>(["imports", "show", created.id], s.options)
        assert.strictEqual(waiting.deferred, limited.deferredCount)

        yield* Cli.json(["account", "--contact-limit", "none"], s.options)
        const resumed = yield* Cli.json<Array<RunJson>>(["sync", created.id, "--until-done"], s.options)
        assert.strictEqual(resumed[resumed.length - 1]!.outcome, "caught-up")
        const all = yield* Cli.json<{ contacts: Array<{ email: string }> }>(["contacts", "--limit", "1000"], s.options)
        assert.deepStrictEqual(new Set(all.contacts.map((c) => c.email)), s.fake.expectedEmails())
      }), { timeout: 120_000 })

    // Only the embedded default has a key file: Postgres refuses to start without a configured
    // key (Config.test.ts and the deploy-bundle test cover that), so there is no file to lose.
    if (dialect === "sqlite") it.scopedLive("a lost key file with encrypted imports stored: refused (exit 1) with how to restore it, no new key written", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect, { size: 10 })
        const created = yield* createImport(s)
        const keyFile = path.join(s.cwd, ".autoimport", "credentials.key")
        const key = readFileSync(keyFile, "utf8")
        rmSync(keyFile)
        for (const args of [["imports", "list"], ["sync", created.id]]) {
          const refused = yield* Cli.run(args, s.options)
          assert.strictEqual(refused.code, 1, refused.stderr)
          assert.include(refused.stderr, `no credentials key was found (${keyFile} does not exist`)
          assert.include(refused.stderr, `Restore ${keyFile} from your backup, or set AUTOIMPORT_CREDENTIALS_KEY`)
          assert.strictEqual(refused.stderr.trim().split("\n").length, 1)
          assert.isFalse(existsSync(keyFile), "no new key was created")
        }
        writeFileSync(keyFile, key, { mode: 0o600 })
        const shown = yield* Cli.json<{ id: string; config: { refreshToken: string } }>(["imports", "show", created.id], s.options)
        assert.deepStrictEqual([shown.id, shown.config.refreshToken], [created.id, "<redacted>"], "the restored key reads everything")
      }), { timeout: 60_000 })

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

    it.scopedLive("a sync whose import is deleted while it runs stops at its next page, says so, exits 1; its counts match what it wrote", () =>
      Effect.gen(function*() {
        // Slow pages (one request per 5 s after a burst of two), as in the SIGTERM test below.
        const s = yield* sandbox(dialect, { size: 400 }, { pageSize: 20, requestsPerMinute: 12 })
        const created = yield* createImport(s)
        const sync = yield* Cli.spawnScoped(["sync", created.id, "--json"], s.options)
        yield* Effect.gen(function*() {
          const runs = yield* Cli.json<Array<RunJson>>(["runs", created.id], s.options)
          if (runs[0]?.outcome !== "running" || runs[0].added === 0) return yield* Effect.fail(new Error("not yet"))
        }).pipe(
          Effect.retry({ while: (e) => e.message === "not yet", schedule: Schedule.spaced("200 millis") }),
          Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`the sync did not get under way:\n${sync.output().stderr}`) })
        )
        yield* Cli.json(["imports", "delete", created.id], s.options)
        const exit = yield* sync.exit("60 seconds")
        assert.strictEqual(exit.code, 1, exit.stderr)
        assert.include(exit.stderr, `import ${created.id} was deleted during this run; the run stopped and wrote nothing more`)
        const run = JSON.parse(exit.stdout) as RunJson
        assert.deepStrictEqual([run.outcome, run.stopTag], ["interrupted", "LeaseLost"])
        const contacts = (yield* Cli.json<{ contacts: Array<unknown> }>(["contacts", "--limit", "1000"], s.options)).contacts.length
        assert.strictEqual(run.added, contacts, "the run's added count is what it wrote")
        assert.isBelow(contacts, s.fake.expectedEmails().size, "nothing after the deletion")
      }), { timeout: 180_000 })

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
