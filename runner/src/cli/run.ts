/** `autoimport run`: the runner process, or with `--once` one pass over the due imports. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Http from "../Http.js"
import * as Output from "../Output.js"
import { Scheduler } from "../Scheduler.js"
import * as Views from "../Views.js"
import { SyncFailed, SyncStopped } from "./errors.js"
import { jsonLogs } from "./logs.js"
import { renderRunLine } from "./render.js"
import { type CommandContext, json, withServices } from "./shared.js"

/** The long-lived process: scheduler and HTTP side by side until interrupted (SIGTERM/SIGINT). */
export const serve = Effect.gen(function*() {
  const scheduler = yield* Scheduler
  yield* Effect.logInfo("runner starting")
  return yield* Effect.all([scheduler.run, Layer.launch(Http.layer)], { concurrency: "unbounded", discard: true })
}).pipe(Effect.onInterrupt(() => Effect.logInfo("runner stopped: syncs in flight finished their current page")))

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("run", {
    once: Options.boolean("once").pipe(Options.withDescription("sync every due import once, then exit")),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* ctx.setup
      if (args.once) {
        yield* runOnce(args.json).pipe(withServices(s))
      } else {
        // The JSON logger is in place before the database opens, so start-up lines are JSON too.
        yield* serve.pipe(withServices(s), Effect.provide(jsonLogs), Logger.withMinimumLogLevel(LogLevel.Info))
      }
    })).pipe(Command.withDescription("Run the runner: the scheduler, /healthz, /readyz, /metrics and the admin API, until SIGTERM or SIGINT"))

/** Every due import synced once (one batch each); the exit code says how the runs ended. */
const runOnce = (asJson: boolean) =>
  Effect.gen(function*() {
    const reports = yield* Effect.flatMap(Scheduler, (scheduler) => scheduler.runDue)
    const views = reports.map((r) => Views.runView(r.run))
    yield* Output.result(asJson, views, (v) => (v.length === 0 ? "no import was due" : v.map(renderRunLine).join("\n")))
    const failed = views.filter((v) => v.outcome === "failed" || v.outcome === "needs-attention")
    if (failed.length > 0) {
      return yield* new SyncFailed({
        importId: failed.map((f) => f.importId).join(", "),
        outcome: failed[0]!.outcome,
        detail: failed[0]!.message ?? "see `autoimport runs`"
      })
    }
    const stopped = views.filter((v) => v.outcome === "stopped")
    if (stopped.length > 0) {
      return yield* new SyncStopped({
        importId: stopped.map((v) => v.importId).join(", "),
        detail: stopped[0]!.message ?? "see `autoimport runs`"
      })
    }
  })
