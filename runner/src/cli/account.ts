/** `autoimport account`. */
import { Store } from "@autoimport/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Output from "../Output.js"
import * as Setup from "../Setup.js"
import * as Views from "../Views.js"
import { InvalidInput } from "./errors.js"
import { type CommandContext, inRunner, json } from "./shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("account", {
    contactLimit: Options.text("contact-limit").pipe(
      Options.optional,
      Options.withDescription("set the contact limit: a number, or `none` for no limit")
    ),
    json
  }, (args) =>
    inRunner(
      ctx,
      () => Effect.transposeMapOption(args.contactLimit, parseContactLimit),
      (limitValue) =>
        Effect.gen(function*() {
          const store = yield* Store.Store
          if (Option.isSome(limitValue)) yield* store.setContactLimit(Setup.defaultAccountId, limitValue.value)
          yield* Effect.flatMap(Views.account, (a) =>
            Output.result(args.json, a, (v) =>
              Output.details([["account", v.id], ["contacts", v.contactCount], ["contact limit", v.contactLimit ?? "none"], ["waiting for room", `${v.deferredCount} new contact(s)`]])))
        })
    )).pipe(Command.withDescription("Show the account, or change its contact limit"))

const parseContactLimit = (text: string) => {
  if (/^(none|unlimited)$/i.test(text.trim())) return Effect.succeed(null)
  const n = Number(text)
  return Number.isSafeInteger(n) && n >= 0
    ? Effect.succeed(n)
    : Effect.fail(new InvalidInput({ option: "--contact-limit", detail: `expected a whole number ≥ 0 or "none", got ${JSON.stringify(text)}` }))
}
