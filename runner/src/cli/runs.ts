/** `autoimport runs`. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Output from "../Output.js"
import * as Views from "../Views.js"
import { deletedNote, renderHistory, renderRuns } from "./render.js"
import { type CommandContext, importId, inRunner, json, limit, nothing } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("runs", {
    id: importId,
    skips: Options.boolean("skips").pipe(Options.withDescription("also list each skipped source record and why")),
    limit: limit(20),
    json
  }, (args) =>
    inRunner(ctx, nothing, () =>
      Effect.gen(function*() {
        const history = yield* Views.runs(args.id, { limit: args.limit, skips: args.skips })
        if (!args.json) return yield* Output.result(false, history, renderHistory)
        // JSON stays the list of runs; the deletion is said on stderr there.
        if (history.deletedAt !== null) yield* Output.progress(deletedNote(history))
        yield* Output.result(true, history.runs, renderRuns)
      }))).pipe(Command.withDescription("An import's run history, newest first: what each run fetched, added, updated, left unchanged and skipped, and why it stopped"))
