/**
 * Issue 5.5: credentials never show in clear text — not in the processes' logs and errors, the
 * CLI's `--json` output, the admin API, nor the database (SQLite file and WAL bytes, every
 * Postgres table) — after syncs with faults, an expired grant and a revoked one whose error
 * quotes the token request (secrets and all, URL-encoded). A wrong or
 * missing credentials key is a clear error and changes nothing.
 */
import type { ImportId } from "@autoimport/core/Domain"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, readFileSync } from "node:fs"
import * as path from "node:path"
import * as Figures from "../../src/reliability/Figures.js"
import * as Runner from "../../src/reliability/Runner.js"
import { googleSecrets } from "../../src/reliability/Subjects.js"

const figures = Figures.make(import.meta.filename)
afterAll(() => figures.save())

const adminToken = "admin-token-that-must-not-leak"

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`secrets on ${dialect}`, () => {
    it.scopedLive("no token, secret or key in logs, errors, CLI and API output or the database, through faults and a revoked grant", () =>
      Effect.gen(function*() {
        const s = yield* Runner.sandbox(dialect, { fake: { seed: 57, size: 400 }, pageSize: 40, batchCap: 200 })
        const id = yield* s.createImport()

        s.fake.faults.failNext(2, 503).malformNext(1, "truncated").rateLimitNext(1, 1).expireAccessTokens()
        const synced = yield* s.cli(["sync", id, "--until-done", "--json"])
        // The malformed page stops the run: exit 3, "stopped, will retry" (README's exit codes).
        assert.strictEqual(synced.code, 3, synced.stderr)
        assert.match(synced.stderr, /stopped and will be retried/)
        // Another process, another grant refresh: a second access token to look for, whatever
        // the faults above cost in token requests.
        s.fake.dataset.add({ email: "second.sync@example.com" })
        const again = yield* s.cli(["sync", id, "--json"])
        assert.strictEqual(again.code, 0, again.stderr)
        // A token endpoint that quotes the request in its error: the secrets come back in the text
        // that becomes the run's message and the import's status reason.
        s.fake.faults.expireAccessTokens().revokeRefreshTokens().echoRequests()
        s.fake.dataset.add({ email: "after.revocation@example.com" })
        const revoked = yield* s.cli(["sync", id, "--json"])
        assert.strictEqual(revoked.code, 1)
        assert.match(revoked.stderr, /needs-attention/)
        assert.match(revoked.stderr, /client_secret=<redacted>/, "the echoed request is shown, its secrets redacted")
        s.fake.faults.clear()
        figures.add("faults", s.fake.faults.faulted + 2)

        // The long-running runner: its JSON logs and the admin API.
        const runner = yield* Runner.spawnScoped(["run"], s.cwd, { ...s.env, AUTOIMPORT_ADMIN_TOKEN: adminToken })
        yield* Runner.waitFor(runner, /Listening on http/)
        const base = /Listening on (http:\/\/[0-9.:]+)/.exec(runner.output().stderr)![1]
        for (const route of ["/api/imports", `/api/imports/${id}`, `/api/imports/${id}/runs?skips=true`, "/api/contacts?limit=1000", "/api/connectors", "/metrics"]) {
          const response = yield* Effect.promise(() => fetch(`${base}${route}`, { headers: { authorization: `Bearer ${adminToken}` } }))
          assert.strictEqual(response.status, 200, route)
          s.transcript.push(yield* Effect.promise(() => response.text()))
        }
        runner.child.kill("SIGTERM")
        const exit = yield* Effect.promise(() => runner.exited)
        s.transcript.push(exit.stdout, exit.stderr)

        for (const args of [["imports", "list"], ["imports", "show", id], ["runs", id, "--skips"], ["contacts", "--limit", "1000"], ["connectors"], ["fields"], ["account"]]) {
          const result = yield* s.cli([...args, "--json"])
          assert.strictEqual(result.code, 0, `${args.join(" ")}: ${result.stderr}`)
        }
        const shown = JSON.parse((yield* s.cli(["imports", "show", id, "--json"])).stdout)
        assert.deepStrictEqual([shown.config.clientSecret, shown.config.refreshToken], ["<redacted>", "<redacted>"])

        const secrets = [...googleSecrets(s.fake), s.credentialsKey, adminToken].flatMap((secret) => [secret, encodeURIComponent(secret)])
        assert.isAtLeast(s.fake.counts.token, 3, "the grant was refreshed several times: there are access tokens to look for")
        const places: Array<[string, string]> = [["process output, CLI and API", s.transcript.join("\n")], ...(yield* databaseText(s))]
        for (const [where, text] of places) {
          assert.isAbove(text.length, 0, where)
          for (const secret of secrets) assert.notInclude(text, secret, `${where} holds a secret`)
        }
        // The check would see one: the config file given to `imports create` holds them in clear.
        assert.include(readFileSync(`${s.cwd}/import-1.json`, "utf8"), googleSecrets(s.fake)[1]!)
        figures.add("scenarios")
      }), 180_000)

    it.scopedLive("a wrong or missing credentials key is a clear error at start and changes nothing", () =>
      Effect.gen(function*() {
        const s = yield* Runner.sandbox(dialect, { fake: { seed: 58, size: 50 }, pageSize: 50, batchCap: 200 })
        const id = yield* s.createImport()
        assert.strictEqual((yield* s.cli(["sync", id, "--until-done"])).code, 0)
        const before = yield* state(s, id)

        const wrong = yield* s.cli(["run", "--once"], { AUTOIMPORT_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString("base64") })
        assert.strictEqual(wrong.code, 1)
        assert.match(wrong.stderr, /the credentials key does not decrypt import \d+ stored in this database \(wrong key\?\)/)
        const malformed = yield* s.cli(["imports", "list"], { AUTOIMPORT_CREDENTIALS_KEY: "c2hvcnQ=" })
        assert.strictEqual(malformed.code, 2)
        assert.match(malformed.stderr, /AUTOIMPORT_CREDENTIALS_KEY: expected base64 of 32 random bytes/)
        assert.notInclude(malformed.stderr, "c2hvcnQ=")
        figures.add("badInputs", 2)
        if (dialect === "postgres") {
          // No key configured: refused before anything is opened (a key file made here could not read this database).
          const { AUTOIMPORT_CREDENTIALS_KEY: _, ...withoutKey } = s.env
          const cwd = yield* Runner.scratchDir
          const missing = yield* Runner.run(["imports", "list"], cwd, withoutKey)
          assert.strictEqual(missing.code, 2)
          assert.include(missing.stderr, "a Postgres database needs AUTOIMPORT_CREDENTIALS_KEY")
          assert.isFalse(existsSync(path.join(cwd, ".autoimport")), "no key file created")
          figures.add("badInputs")
        }
        assert.deepStrictEqual(yield* state(s, id), before, "nothing changed")
      }), 120_000)
  })
}

/** What a wrong key must not change: the stored config (ciphertext), cursor, runs and contacts. */
const state = (s: Runner.Sandbox, id: ImportId) =>
  Effect.scoped(Effect.gen(function*() {
    const { sql, store } = yield* s.openStore
    const [row] = yield* Effect.orDie(sql<{ config: string }>`SELECT config FROM imports WHERE id = ${Number(id)}`)
    return {
      config: row!.config,
      cursor: yield* store.getCursor(id),
      runs: (yield* store.listRuns(id, 1000)).length,
      contacts: yield* store.countContacts((yield* Effect.orDie(store.getImport(id))).accountId)
    }
  }))

/** The database as text: SQLite's file and WAL bytes, or every table of the Postgres schema. */
const databaseText = (s: Runner.Sandbox) =>
  Effect.scoped(Effect.gen(function*() {
    if (s.dialect === "sqlite") {
      return [s.database, `${s.database}-wal`].filter(existsSync).map((file): [string, string] => [file, readFileSync(file).toString("latin1")])
    }
    const { sql } = yield* s.openStore
    const tables = yield* Effect.orDie(sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
    assert.isAtLeast(tables.length, 5)
    return yield* Effect.forEach(tables, ({ table_name }) =>
      Effect.map(Effect.orDie(sql.unsafe(`SELECT * FROM "${table_name}"`)), (rows): [string, string] => [`table ${table_name}`, JSON.stringify(rows)]))
  }))
