/** `autoimport fields`. */
import * as Command from "@effect/cli/Command"
import * as Output from "../Output.js"
import * as Views from "../Views.js"
import { type CommandContext, json, show } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("fields", { json }, ({ json }) =>
    show(ctx, json, Views.fields, (fs) =>
      Output.table(
        ["title", "personalization tag", "connector", "type"],
        fs.map((f) => [f.title, `%${f.tag}%`, f.connector, f.type]),
        "(no custom fields yet: they are created by the first sync of an import)"
      ))).pipe(Command.withDescription("List the account's custom fields and their personalization tags"))
