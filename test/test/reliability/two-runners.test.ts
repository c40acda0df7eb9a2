/**
 * Issue 5.3: two `autoimport run` processes on one SQLite file or one Postgres database never
 * sync the same import at the same time — the run history shows it (no overlapping runs of an
 * import; each run names its runner) — and together they converge exactly.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Figures from "../../src/reliability/Figures.js"
import * as History from "../../src/reliability/History.js"
import * as Mode from "../../src/reliability/Mode.js"
import * as Runner from "../../src/reliability/Runner.js"
import * as Scenario from "../../src/reliability/Scenario.js"
import { googleRecords, googleSource } from "../../src/reliability/Subjects.js"

const figures = Figures.make(import.meta.filename)
afterAll(() => figures.save())

const groups = [undefined, "friends", "family"] as const

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`two runners on ${dialect}`, () => {
    it.scopedLive("never sync one import at once; the history shows both owners and no overlap; the account converges", () =>
      Effect.gen(function*() {
        const s = yield* Runner.sandbox(dialect, { fake: { seed: 31, size: Mode.scale(2_000, 10_000) }, pageSize: 50, batchCap: 200 })
        const imports = yield* Effect.forEach(groups, (group) => s.createImport(group === undefined ? {} : { contactGroup: group }))
        const { store } = yield* s.openStore
        const runners = [yield* Runner.spawnScoped(["run"], s.cwd, s.env), yield* Runner.spawnScoped(["run"], s.cwd, s.env)]

        // Edits while both run: later syncs of every import have work to share.
        const source = googleSource(s.fake)
        const seen = [...source.records()]
        for (let round = 0; round < Mode.scale(3, 20); round++) {
          yield* Runner.sleep(1_000)
          for (let k = 0; k < 5; k++) source.mutate(k % 2 === 0 ? "edit-everything" : "add", round * 7 + k)
          seen.push(...source.records())
        }
        const editedAt = Date.now()
        for (const id of imports) {
          for (let waited = 0; ; waited += 250) {
            const [last] = yield* store.listRuns(id, 1)
            if (last?.outcome === "caught-up" && last.startedAt.getTime() >= editedAt) break
            if (waited > 120_000) return assert.fail(`import ${id} did not catch up`)
            yield* Runner.sleep(250)
          }
        }
        for (const runner of runners) runner.child.kill("SIGTERM")
        for (const runner of runners) assert.strictEqual((yield* Effect.promise(() => runner.exited)).code, 0)
        figures.add("sigterms", 2)

        const owners = new Set(runners.map((r) => `:${r.child.pid}`))
        const seenOwners = new Set<string>()
        for (const [i, id] of imports.entries()) {
          const runs = yield* store.listRuns(id, 100_000)
          assert.deepStrictEqual(History.overlaps(runs), [], `import ${id}`)
          for (const run of runs) {
            const owner = [...owners].find((o) => run.owner.endsWith(o))
            assert.isDefined(owner, `run ${run.id} names ${run.owner}, not one of the two runners`)
            seenOwners.add(owner!)
          }
          figures.add("syncs", runs.length)
          const imp = yield* Effect.orDie(store.getImport(id))
          const group = groups[i]
          const current = googleRecords(s.fake, group === undefined ? {} : { contactGroup: group })
          assert.deepStrictEqual(yield* Scenario.verify(store, imp.accountId, id, imp.listIds[0]!, current, seen, new Set()), [])
        }
        assert.strictEqual(seenOwners.size, 2, "both runners took part")
        figures.add("scenarios")
      }), Mode.scale(180_000, 1_800_000))
  })
}
