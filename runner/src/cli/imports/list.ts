/** `autoimport imports list`. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Views from "../../Views.js"
import { renderImports } from "../render.js"
import { type CommandContext, json, show } from "../shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("list", {
    all: Options.boolean("all").pipe(Options.withDescription("also list deleted imports (their run history stays: `autoimport runs <id>`)")),
    json
  }, ({ all, json }) => show(ctx, json, Views.imports({ includeDeleted: all }), renderImports)).pipe(Command.withDescription("List the imports"))
