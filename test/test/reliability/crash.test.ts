/**
 * Issue 5.2: `autoimport run` as a child process against a large Google fake served here,
 * stopped at random moments — SIGKILL (a crash) and SIGTERM (a shutdown) — and restarted each
 * time, on SQLite and on Postgres. Pages are whole after every stop; with the source edited
 * between restarts, the account converges exactly, with no duplicate rows, and the run history
 * has no overlapping runs.
 */
import type { ImportId } from "@autoimport/core/Domain"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import fc from "fast-check"
import * as Figures from "../../src/reliability/Figures.js"
import * as History from "../../src/reliability/History.js"
import * as Mode from "../../src/reliability/Mode.js"
import * as Runner from "../../src/reliability/Runner.js"
import * as Scenario from "../../src/reliability/Scenario.js"
import { googleSource, type Mutation, type SourceRecord } from "../../src/reliability/Subjects.js"

const figures = Figures.make(import.meta.filename)
afterAll(() => figures.save())

const pageSize = 50
const stops = { clean: Mode.scale(9, 30), edited: Mode.scale(6, 30) }
const mutations: ReadonlyArray<Mutation> = ["add", "edit", "edit-everything", "add-duplicate", "add-invalid", "add-missing", "remove", "rekey"]

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`runner crashes on ${dialect}`, () => {
    it.scopedLive("SIGKILL and SIGTERM at random moments: whole pages, exact convergence, no duplicates, no overlapping runs", () =>
      Effect.gen(function*() {
        // One seed per run of the suite, printed, so a failure can be replayed.
        const seed = Number(process.env["AUTOIMPORT_RELIABILITY_SEED"] ?? Date.now() % 1_000_000)
        console.log(`crash suite on ${dialect}: seed ${seed} (replay with AUTOIMPORT_RELIABILITY_SEED=${seed})`)
        const random = fc.sample(fc.infiniteStream(fc.integer({ min: 0, max: 1_000_000 })), { seed, numRuns: 1 })[0]![Symbol.iterator]()
        const next = (max: number) => random.next().value! % max

        // Valid, distinct emails first: every committed page adds exactly `pageSize` contacts.
        const s = yield* Runner.sandbox(dialect, {
          fake: { seed, size: Mode.scale(6_000, 20_000), missingEmailRatio: 0, invalidEmailRatio: 0, duplicateEmailRatio: 0 },
          pageSize,
          batchCap: 500
        })
        const source = googleSource(s.fake)
        const importId = yield* s.createImport()
        const { store } = yield* s.openStore
        const seen: Array<SourceRecord> = [...source.records()]

        const stop = (signal: "SIGKILL" | "SIGTERM") =>
          Effect.gen(function*() {
            const runner = yield* Runner.spawnScoped(["run"], s.cwd, s.env)
            // Most stops hit a started runner (its syncs); some SIGKILLs hit the start-up.
            // SIGTERM only once started: before the runtime installs its handlers, Node's default
            // (exit by signal) applies — see docs/reliability.md.
            if (signal === "SIGTERM" || next(4) > 0) yield* Runner.waitFor(runner, /scheduler started/)
            yield* Runner.sleep(next(1_500))
            runner.child.kill(signal)
            const exit = yield* Effect.promise(() => runner.exited)
            if (signal === "SIGTERM") {
              assert.strictEqual(exit.code, 0, `SIGTERM must exit 0\n${exit.stderr}`)
              figures.add("sigterms")
            } else {
              assert.strictEqual(exit.signal, "SIGKILL")
              figures.add("kills")
              yield* History.expireLease(store, importId)
            }
          })

        for (let i = 0; i < stops.clean; i++) {
          yield* stop(i % 3 === 2 ? "SIGTERM" : "SIGKILL")
          const contacts = yield* store.countContacts("default" as never)
          assert.strictEqual(contacts % pageSize, 0, `after stop ${i + 1}: ${contacts} contacts is not a whole number of pages`)
        }
        for (let i = 0; i < stops.edited; i++) {
          for (let k = next(8); k > 0; k--) source.mutate(mutations[next(mutations.length)]!, next(1_000_000))
          seen.push(...source.records())
          yield* stop(i % 3 === 2 ? "SIGTERM" : "SIGKILL")
        }

        // Left alone, the runner catches up; then it shuts down cleanly.
        const since = Date.now()
        const runner = yield* Runner.spawnScoped(["run"], s.cwd, s.env)
        yield* waitForCaughtUp(store, importId, since)
        runner.child.kill("SIGTERM")
        assert.strictEqual((yield* Effect.promise(() => runner.exited)).code, 0)
        figures.add("sigterms")

        const imp = yield* Effect.orDie(store.getImport(importId))
        const problems = yield* Scenario.verify(store, imp.accountId, importId, imp.listIds[0]!, source.records(), seen, new Set())
        const runs = yield* store.listRuns(importId, 100_000)
        problems.push(...History.overlaps(runs))
        assert.deepStrictEqual(problems, [])
        figures.add("scenarios")
        figures.add("syncs", runs.length)
        console.log(`crash suite on ${dialect}: ${runs.length} runs, ${runs.filter((r) => r.outcome === "interrupted").length} of them interrupted by a stop`)
      }), Mode.scale(300_000, 3_600_000))
  })
}

const waitForCaughtUp = (store: import("@autoimport/core/Store").StoreShape, importId: ImportId, since: number) =>
  Effect.gen(function*() {
    for (let waited = 0; waited < 120_000; waited += 250) {
      const [last] = yield* store.listRuns(importId, 1)
      if (last?.outcome === "caught-up" && last.startedAt.getTime() >= since) return
      yield* Runner.sleep(250)
    }
    return yield* Effect.dieMessage("the runner did not catch up within 2 minutes")
  })
