/**
 * `autoimport run` as a child process: JSON logs, /metrics, the admin API and the setup page.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./support/cli.js"
import { createImport, type RunJson, sandbox } from "./support/sandbox.js"

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
      const misspelt = yield* post({ connector: "google-contacts", name: "Form", config: { ...config, contactgroup: "friends" } })
      assert.strictEqual(misspelt.status, 400, "an unknown key is refused, not dropped")
      assert.include(misspelt.body.error, `contactgroup: unknown key, did you mean "contactGroup"?`)
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
