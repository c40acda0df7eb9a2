/** `autoimport demo`. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import type { CommandContext } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("demo", {
    exitAfterSync: Options.boolean("exit-after-sync").pipe(Options.withDescription("exit once the first syncs are done (for tests and CI)"))
  }, (args) =>
    // Loaded on demand: the fakes (and msw) are for the demo only, not every command's start-up.
    Effect.flatMap(Effect.promise(() => import("../Demo.js")), (Demo) => Demo.run({ ...ctx.invocation, exitAfterSync: args.exitAfterSync }))).pipe(Command.withDescription("Start a sandbox: fake services with seeded data, example imports and their first syncs, then the runner until Ctrl-C"))
