/** `autoimport connectors`. */
import * as Command from "@effect/cli/Command"
import * as Views from "../Views.js"
import { renderConnectors } from "./render.js"
import { type CommandContext, json, show } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("connectors", { json }, ({ json }) => show(ctx, json, Views.connectors, renderConnectors)).pipe(Command.withDescription("List the loaded connectors, the fields and personalization tags they create, and how many imports each has"))
