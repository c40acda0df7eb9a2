/** `autoimport contacts` (and its subcommand `unsubscribe`). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import * as Views from "../Views.js"
import * as Unsubscribe from "./contacts/unsubscribe.js"
import { renderContacts } from "./render.js"
import { type CommandContext, json, limit, show } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("contacts", {
    email: Options.text("email").pipe(Options.optional, Options.withDescription("only this email (also shows skipped source records with it)")),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("only members of this list")),
    limit: limit(100),
    json
  }, (args) =>
    show(
      ctx,
      args.json,
      Views.contacts({ email: Option.getOrUndefined(args.email), list: Option.getOrUndefined(args.list), limit: args.limit }),
      renderContacts
    )).pipe(
      Command.withDescription("List contacts with their custom field values (by personalization tag) and list memberships"),
      Command.withSubcommands([Unsubscribe.make(ctx)])
    )
