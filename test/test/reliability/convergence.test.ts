/**
 * Issue 5.1: property-based convergence per connector fake, on SQLite and Postgres. Random
 * sources, edits, faults and interruption points; after the faults stop, a bounded number of
 * syncs leaves the account exactly equal to the source (see Scenario.verify).
 */
import { Store } from "@autoimport/core/Store"
import * as SqlClient from "@effect/sql/SqlClient"
import { layerPgTest, layerSqliteTest } from "@autoimport/store-sql/testing"
import { afterAll, assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import fc from "fast-check"
import * as Figures from "../../src/reliability/Figures.js"
import * as Mode from "../../src/reliability/Mode.js"
import * as Scenario from "../../src/reliability/Scenario.js"
import { subjects } from "../../src/reliability/Subjects.js"

const figures = Figures.make(import.meta.filename)
afterAll(() => figures.save())

const runs = Mode.scale(10, 60)
const shape = { maxSize: Mode.scale(60, 150), maxRounds: Mode.scale(3, 5) }

for (const [dialect, storeLayer] of [["SQLite", layerSqliteTest], ["Postgres", layerPgTest]] as const) {
  layer(storeLayer, { timeout: Mode.scale(240_000, 3_600_000) })(`convergence on ${dialect}`, (it) => {
    for (const subject of subjects) {
      it.scoped(`${subject.name}: random sources, edits, faults and interruptions end exactly equal to the source`, () =>
        Effect.gen(function*() {
          const store = yield* Store
          const runtime = yield* Effect.runtime<SqlClient.SqlClient | Store>()
          const property = fc.asyncProperty(Scenario.scenario(subject, shape), async (scenario) => {
            const outcome = await Runtime.runPromise(runtime)(Scenario.run(subject, scenario, store, figures))
            figures.add("scenarios")
            if (outcome.problems.length > 0) throw new Error(`${outcome.problems.length} problem(s):\n  ${outcome.problems.slice(0, 20).join("\n  ")}`)
          })
          yield* Effect.promise(() => Mode.check(property, runs))
          assert.isAtLeast(figures.counts.scenarios, 1)
        }), Mode.scale(240_000, 3_600_000))
    }
  })
}
