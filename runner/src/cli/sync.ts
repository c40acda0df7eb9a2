/** `autoimport sync`. */
import type { Domain } from "@autoimport/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Output from "../Output.js"
import { maxConfirmingPasses, Scheduler, syncUntilDone } from "../Scheduler.js"
import * as Views from "../Views.js"
import { SyncFailed, SyncStopped } from "./errors.js"
import { renderRunLine } from "./render.js"
import { type CommandContext, importId, inRunner, json, nothing } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("sync", {
    id: importId,
    untilDone: Options.boolean("until-done").pipe(Options.withDescription("run batches back to back until the import has caught up")),
    json
  }, (args) =>
    inRunner(ctx, nothing, () =>
      Effect.gen(function*() {
        const scheduler = yield* Scheduler
        const done = args.untilDone
          ? yield* syncUntilDone(scheduler, args.id as Domain.ImportId, (report, batch, total) =>
            Output.progress(
              `batch ${batch}: ${report.run.outcome}, fetched ${report.run.counts.fetched} (${total.fetched} in all), added ${total.added}, updated ${total.updated}, skipped ${total.skipped}`
            ))
          : { reports: [yield* scheduler.syncNow(args.id as Domain.ImportId)], settled: true }
        const reports = done.reports
        if (!done.settled) {
          yield* Output.progress(
            `the source kept changing while it was synced (${maxConfirmingPasses} more passes still found changes): changes may be pending; the next sync picks them up`
          )
        }
        const views = reports.map((r) => Views.runView(r.run))
        yield* Output.result(args.json, args.untilDone ? views : views[0], (v) => (Array.isArray(v) ? v : [v]).map(renderRunLine).join("\n"))
        const last = reports[reports.length - 1]!.run
        // interrupted: this sync lost its lease to another one or its import was deleted.
        if (last.outcome === "failed" || last.outcome === "needs-attention" || last.outcome === "interrupted") {
          return yield* new SyncFailed({ importId: args.id, outcome: last.outcome, detail: last.message ?? "see `autoimport runs`" })
        }
        if (last.outcome === "stopped") {
          return yield* new SyncStopped({ importId: args.id, detail: last.message ?? "see `autoimport runs`" })
        }
      }))).pipe(Command.withDescription("Sync one import now: one batch, or with --until-done until it has caught up"))
