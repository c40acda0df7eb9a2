/** `autoimport lists`. */
import * as Command from "@effect/cli/Command"
import * as Output from "../Output.js"
import * as Views from "../Views.js"
import { type CommandContext, json, show } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("lists", { json }, ({ json }) =>
    show(ctx, json, Views.lists, (ls) => Output.table(["id", "name"], ls.map((l) => [l.id, l.name])))).pipe(Command.withDescription("List the account's lists"))
