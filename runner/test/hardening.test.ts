/**
 * The built `autoimport` binary against hostile data and broken surroundings: terminal escape
 * sequences in source values, a rate-limited service, a truncated contact list, `--help`, and
 * a read-only SQLite database (with the `-wal`/`-shm` files such a start used to leave behind).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { chmodSync, chownSync, existsSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./support/cli.js"
import { createImport, type RunJson, sandbox } from "./support/sandbox.js"

const ansi = /\u001b\[[0-9;]*m/g

describe.concurrent("autoimport CLI hardening", () => {
  it.scopedLive("a rate-limited sync exits 3 (stopped, will retry); contacts says how many it left out; control characters are shown escaped", () =>
    Effect.gen(function*() {
      const s = yield* sandbox("sqlite", { size: 30, invalidEmailRatio: 0, missingEmailRatio: 0, duplicateEmailRatio: 0 })
      const created = yield* createImport(s)

      s.fake.faults.rateLimitNext(1_000, 3_600)
      const limited = yield* Cli.run(["sync", created.id, "--json"], s.options)
      assert.strictEqual(limited.code, 3, limited.stderr)
      assert.strictEqual((JSON.parse(limited.stdout) as RunJson).outcome, "stopped")
      assert.include(limited.stderr, `the sync of import ${created.id} stopped and will be retried`)
      s.fake.faults.clear()

      // A contact whose name sets the terminal's title, rings, clears the screen (7- and 8-bit CSI).
      const hostile = "\u001b]0;owned\u0007Eve\u001b[2J\u009b2J\u202e"
      const person = [...s.fake.expected()].find((p) => p.email !== undefined)!
      s.fake.dataset.edit(person.externalId, { givenName: hostile } as never)
      const synced = yield* Cli.run(["sync", created.id, "--until-done"], s.options)
      assert.strictEqual(synced.code, 0, synced.stderr)

      const email = person.email!.trim().toLowerCase()
      const table = yield* Cli.run(["contacts", "--email", email], s.options)
      assert.strictEqual(table.code, 0, table.stderr)
      assert.notMatch(table.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, "no raw control character reaches the terminal")
      assert.include(table.stdout, "\\u001b]0;owned\\u0007Eve\\u001b[2J\\u009b2J\\u202e")
      const asJson = yield* Cli.run(["contacts", "--email", email, "--json"], s.options)
      assert.notMatch(asJson.stdout, /[\u007f-\u009f\u202e]/)
      assert.strictEqual(JSON.parse(asJson.stdout).contacts[0].firstName, hostile, "--json keeps the value exact")

      const all = s.fake.expectedEmails().size
      const cut = yield* Cli.run(["contacts", "--limit", "5"], s.options)
      assert.strictEqual(cut.code, 0, cut.stderr)
      assert.include(cut.stdout, `showing 5 of ${all} contacts; \`--limit ${all}\` shows them all`)
      const cutJson = yield* Cli.json<{ contacts: Array<unknown>; total: number }>(["contacts", "--limit", "5"], s.options)
      assert.deepStrictEqual([cutJson.contacts.length, cutJson.total], [5, all])
      const whole = yield* Cli.run(["contacts"], s.options)
      assert.notInclude(whole.stdout, "showing", "nothing left out, nothing to say")
    }), { timeout: 300_000 })

  it.scopedLive("--help describes every argument and option of every command, without generic type filler", () =>
    Effect.gen(function*() {
      const cwd = yield* Cli.scratchDir
      const commands = [
        [], ["connectors"], ["imports"], ["imports", "create"], ["imports", "list"], ["imports", "show"], ["imports", "edit"],
        ["imports", "delete"], ["sync"], ["runs"], ["contacts"], ["contacts", "unsubscribe"], ["fields"], ["lists"], ["account"],
        ["run"], ["demo"]
      ]
      yield* Effect.forEach(commands, (command) =>
        Effect.gen(function*() {
          const help = yield* Cli.run([...command, "--help"], { cwd })
          assert.strictEqual(help.code, 0, help.stderr)
          const lines = help.stdout.replace(ansi, "").split("\n")
          const name = command.join(" ") || "autoimport"
          assert.notMatch(help.stdout, /A user-defined piece of text|A true or false value|An integer\./, name)
          // Entries of ARGUMENTS and OPTIONS are unindented lines; their description follows, indented.
          let section = ""
          let entry: { name: string; described: boolean } | undefined
          const finish = () => {
            if (entry) assert.isTrue(entry.described, `${name}: ${entry.name} has no description`)
            entry = undefined
          }
          for (const line of lines) {
            if (/^[A-Z]+$/.test(line)) {
              finish()
              section = line
            } else if ((section === "ARGUMENTS" || section === "OPTIONS") && line !== "" && !line.startsWith(" ")) {
              finish()
              entry = { name: line, described: false }
            } else if (entry && line.startsWith("  ") && !/^\s*(This setting is optional|One of the following|This argument is optional)/.test(line)) {
              entry.described = true
            }
          }
          finish()
        }), { concurrency: 4, discard: true })
    }), { timeout: 300_000 })

  it.scopedLive("a read-only SQLite file is refused in one line (exit 2) without leaving -wal/-shm behind; leftovers from an older start are repaired", () =>
    Effect.gen(function*() {
      const cwd = yield* Cli.scratchDir
      // Root ignores file permissions: as root, run the binary as nobody.
      const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined
      if (user) chownSync(cwd, user.uid, user.gid)
      const options = { cwd, ...(user ? { user } : {}) }
      const db = path.join(cwd, ".autoimport", "autoimport.db")
      assert.strictEqual((yield* Cli.run(["imports", "list"], options)).code, 0)

      chmodSync(db, 0o444)
      const refused = yield* Cli.run(["imports", "list"], options)
      assert.strictEqual(refused.code, 2, refused.stderr)
      assert.strictEqual(refused.stderr.trim(), `error: cannot use the SQLite database file ${db}: it is read-only for this user; make it writable (chmod u+w) — autoimport writes to its database`)
      assert.isFalse(existsSync(`${db}-shm`) || existsSync(`${db}-wal`), "nothing left behind")
      chmodSync(db, 0o644)
      assert.strictEqual((yield* Cli.run(["imports", "list"], options)).code, 0, "works once the cause is fixed")

      // What a start on the read-only file used to leave: -wal/-shm with the file's read-only mode.
      for (const [file, size] of [[`${db}-shm`, 32_768], [`${db}-wal`, 0]] as const) {
        writeFileSync(file, Buffer.alloc(size), { mode: 0o444 })
        if (user) chownSync(file, user.uid, user.gid)
      }
      const repaired = yield* Cli.run(["imports", "list"], options)
      assert.strictEqual(repaired.code, 0, repaired.stderr)
    }), { timeout: 300_000 })
})
