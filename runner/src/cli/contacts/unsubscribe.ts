/** `autoimport contacts unsubscribe`. */
import { Email, Store } from "@autoimport/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Output from "../../Output.js"
import * as Setup from "../../Setup.js"
import * as Views from "../../Views.js"
import { type CommandContext, inRunner, json } from "../shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("unsubscribe", {
    email: Args.text({ name: "email" }).pipe(Args.withDescription("the contact's email address (any case; it is normalized)")),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("only this list (default: every list)")),
    json
  }, (args) =>
    inRunner(
      ctx,
      () => Either.match(Email.normalize(args.email), { onLeft: Effect.fail, onRight: Effect.succeed }),
      (email) =>
        Effect.gen(function*() {
          const store = yield* Store.Store
          const listId = yield* Effect.transposeMapOption(args.list, Views.listIdByName)
          const changed = yield* store.unsubscribe(Setup.defaultAccountId, email, Option.getOrUndefined(listId))
          yield* Output.result(args.json, { email, unsubscribed: changed }, () =>
            changed
              ? `${email} is unsubscribed${Option.isSome(args.list) ? ` from ${Output.escape(args.list.value)}` : ""}; imports never set it back to active`
              : `${email} has no active membership to change`)
        })
    )).pipe(Command.withDescription("Unsubscribe a contact from one list or from all of them"))
