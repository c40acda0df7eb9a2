/**
 * A benchmark's child process: `node child.js <task> <args as JSON>` runs one measurement in a
 * process of its own (own heap, own peak RSS, own CPU time) and prints its result as one JSON
 * line. The tasks are driven by `main.js`.
 */
import { layerPgTest, layerSqliteTest } from "@autoimport/store-sql/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { register, report } from "./Bench.js"
import type { FakeAccount } from "./FakeServer.js"
import { initialImport, upsertInto } from "./Growth.js"
import { incrementalCosts, statementsPerPage } from "./Idle.js"
import { type Driver, manyImports } from "./Imports.js"
import { trial } from "./Throughput.js"

export type Dialect = "sqlite" | "pg"

/** Each task with the JSON arguments it takes. */
export interface Tasks {
  readonly throughput: { readonly url: string; readonly dialect: Dialect; readonly account: FakeAccount; readonly trials: number }
  readonly growth: { readonly url: string; readonly account: FakeAccount }
  readonly upsertInto: { readonly url: string; readonly dialect: Dialect; readonly fill: number; readonly account: FakeAccount }
  readonly imports: { readonly url: string; readonly count: number; readonly contactsEach: number; readonly driver: Driver }
  readonly incremental: { readonly url: string; readonly dialect: Dialect; readonly account: FakeAccount; readonly repetitions: number; readonly idleOnly?: boolean }
  readonly pages: { readonly url: string; readonly dialect: Dialect; readonly account: FakeAccount }
}

const storeLayer = (dialect: Dialect) => (dialect === "pg" ? layerPgTest : layerSqliteTest)

const tasks: { readonly [K in keyof Tasks]: (args: Tasks[K]) => Effect.Effect<unknown> } = {
  throughput: ({ account, dialect, trials, url }) =>
    Effect.zipRight(
      register(url, [account]),
      // A fresh database per trial.
      Effect.forEach(Array.from({ length: trials }, (_, i) => i), (i) => Effect.provide(trial(url, account, i), storeLayer(dialect)))
    ),
  growth: ({ account, url }) => Effect.zipRight(register(url, [account]), Effect.provide(initialImport(url, account), layerSqliteTest)),
  upsertInto: ({ account, dialect, fill, url }) =>
    Effect.zipRight(register(url, [account]), Effect.provide(upsertInto(url, fill, account), storeLayer(dialect))),
  imports: ({ contactsEach, count, driver, url }) => Effect.provide(manyImports(url, count, contactsEach, driver), layerSqliteTest),
  incremental: ({ account, dialect, idleOnly, repetitions, url }) =>
    Effect.provide(incrementalCosts(url, account, repetitions, idleOnly), storeLayer(dialect)),
  pages: ({ account, dialect, url }) => Effect.provide(statementsPerPage(url, account), storeLayer(dialect))
}

const [task, args] = process.argv.slice(2) as [keyof Tasks, string]
const run = tasks[task] as (args: unknown) => Effect.Effect<unknown>
run(JSON.parse(args)).pipe(
  Effect.flatMap(report),
  // The runner logs every finished sync; thousands of those lines would only slow the measurement.
  Logger.withMinimumLogLevel(LogLevel.Warning),
  NodeRuntime.runMain
)
