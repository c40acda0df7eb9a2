/** `autoimport imports show`. */
import * as Command from "@effect/cli/Command"
import * as Views from "../../Views.js"
import { renderImport } from "../render.js"
import { type CommandContext, importId, json, show } from "../shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("show", { id: importId, json }, ({ id, json }) => show(ctx, json, Views.importById(id), renderImport)).pipe(Command.withDescription("Show one import: its settings (secrets masked), status and schedule"))
