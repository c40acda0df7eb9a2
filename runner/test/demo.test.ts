/**
 * `autoimport demo --exit-after-sync` on a clean working directory, twice.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./support/cli.js"

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
