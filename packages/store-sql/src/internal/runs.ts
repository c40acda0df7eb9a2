/** Run history (R9): one row per sync run, with the records it skipped and why. */
import type * as SqlClient from "@effect/sql/SqlClient"
import { ImportId, RunCounts, RunId, RunOutcome, Skip, SkipReason, SyncRun } from "@autoimport/core/Domain"
import type { StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Sql from "./sql.js"

const RunRow = Schema.Struct({
  id: Sql.Id(RunId),
  import_id: Sql.Id(ImportId),
  owner: Schema.String,
  started_at: Sql.Millis,
  finished_at: Schema.NullOr(Sql.Millis),
  outcome: RunOutcome,
  fetched: Sql.Int,
  added: Sql.Int,
  updated: Sql.Int,
  unchanged: Sql.Int,
  skipped: Sql.Int,
  deleted: Sql.Int,
  deferred: Sql.Int,
  stop_tag: Schema.NullOr(Schema.String),
  message: Schema.NullOr(Schema.String),
  resynced: Sql.Int
})
const SkipRow = Schema.Struct({
  run_id: Sql.Id(RunId),
  import_id: Sql.Id(ImportId),
  external_id: Sql.Trusted("@autoimport/ExternalId"),
  reason: SkipReason,
  detail: Schema.String,
  email: Schema.NullOr(Schema.String),
  at: Sql.Millis
})
const KeyRow = Schema.Struct({ id: Sql.Id(RunId) })

const toRun = (row: typeof RunRow.Type) =>
  new SyncRun({
    id: row.id,
    importId: row.import_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    counts: new RunCounts({
      fetched: row.fetched,
      added: row.added,
      updated: row.updated,
      unchanged: row.unchanged,
      skipped: row.skipped,
      deleted: row.deleted,
      deferred: row.deferred
    }),
    stopTag: row.stop_tag,
    message: row.message,
    resynced: row.resynced === 1,
    owner: row.owner
  })

const toSkip = (row: typeof SkipRow.Type) =>
  new Skip({ externalId: row.external_id, reason: row.reason, detail: row.detail, email: row.email })

/** A skipped record as `run_skips` keeps it; `email_key` is what {@link make}'s findSkips looks up. */
export const skipRow = (runKey: number, importKey: number, skip: Skip, at: number) => ({
  run_id: runKey,
  import_id: importKey,
  external_id: Sql.text(skip.externalId),
  reason: skip.reason,
  detail: Sql.text(skip.detail),
  email: skip.email === null ? null : Sql.text(skip.email),
  email_key: skip.email === null ? null : Sql.text(skip.email.trim()).toLowerCase(),
  at
})

export const make = (sql: SqlClient.SqlClient) =>
  ({
    startRun: (importId, owner, now) =>
      sql.withTransaction(Effect.gen(function*() {
        const key = yield* Sql.requireKey(importId, "import")
        const [row] = yield* sql`INSERT INTO sync_runs ${
          sql.insert({ import_id: key, owner: Sql.text(owner), started_at: now.getTime(), outcome: "running" })
        } RETURNING id`.pipe(Sql.rows(KeyRow))
        yield* sql`UPDATE import_state SET last_run_at = ${now.getTime()} WHERE import_id = ${key}`
        return row!.id
      })).pipe(Sql.orDie),

    finishRun: (runId, finish) =>
      Effect.flatMap(Sql.requireKey(runId, "run"), (key) =>
        sql`UPDATE sync_runs SET ${
          sql.update({
            outcome: finish.outcome,
            finished_at: finish.finishedAt.getTime(),
            stop_tag: finish.stopTag,
            message: finish.message === null ? null : Sql.text(finish.message),
            resynced: finish.resynced ? 1 : 0
          })
        } WHERE id = ${key}`).pipe(Effect.asVoid, Sql.orDie),

    interruptStaleRuns: (importId, now) =>
      Effect.flatMap(Sql.requireKey(importId, "import"), (key) =>
        sql`UPDATE sync_runs SET outcome = 'interrupted', finished_at = ${now.getTime()},
            message = ${"the runner stopped during this run; the next run continued from the last committed page"}
          WHERE import_id = ${key} AND outcome = 'running' RETURNING id`).pipe(
          Effect.map((rows) => rows.length),
          Sql.orDie
        ),

    getRun: (runId) =>
      Effect.flatMap(Sql.requireKey(runId, "run"), (key) => sql`SELECT * FROM sync_runs WHERE id = ${key}`).pipe(
        Sql.rows(RunRow),
        Effect.flatMap((rows) => rows.length === 0 ? Effect.dieMessage(`there is no run ${runId}`) : Effect.succeed(toRun(rows[0]!))),
        Sql.orDie
      ),

    listRuns: (importId, limit) =>
      Effect.flatMap(Sql.requireKey(importId, "import"), (key) =>
        sql`SELECT * FROM sync_runs WHERE import_id = ${key}
          ORDER BY started_at DESC, id DESC LIMIT ${limit}`).pipe(
          Sql.rows(RunRow),
          Effect.map((rows) => rows.map(toRun)),
          Sql.orDie
        ),

    listSkips: (runId) =>
      Effect.flatMap(Sql.requireKey(runId, "run"), (key) =>
        sql`SELECT * FROM run_skips WHERE run_id = ${key} ORDER BY id`).pipe(
          Sql.rows(SkipRow),
          Effect.map((rows) => rows.map(toSkip)),
          Sql.orDie
        ),

    findSkips: (accountId, search) => {
      const term = Sql.text(search.trim())
      return sql`SELECT s.* FROM run_skips s JOIN imports i ON i.id = s.import_id
        WHERE i.account_id = ${accountId} AND (s.email_key = ${term.toLowerCase()} OR s.external_id = ${term})
        ORDER BY s.at DESC, s.id DESC`.pipe(
        Sql.rows(SkipRow),
        Effect.map((rows) => rows.map((row) => Object.assign(toSkip(row), { importId: row.import_id, runId: row.run_id, at: row.at }))),
        Sql.orDie
      )
    }
  }) satisfies Pick<
    StoreShape,
    "startRun" | "finishRun" | "interruptStaleRuns" | "getRun" | "listRuns" | "listSkips" | "findSkips"
  >
