/** `autoimport imports edit`. */
import type { Domain } from "@autoimport/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Imports from "../../Imports.js"
import * as Output from "../../Output.js"
import * as Views from "../../Views.js"
import { InvalidInput } from "../errors.js"
import { renderImport } from "../render.js"
import { type CommandContext, importId, inRunner, json, nonEmpty, readJsonArgument } from "../shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("edit", {
    id: importId,
    name: Options.text("name").pipe(Options.optional, Options.withDescription("a new name")),
    config: Options.text("config").pipe(
      Options.optional,
      Options.withDescription("changes to the settings as a JSON merge patch (or @file): keys given replace, null removes")
    ),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("move future syncs to this list (created on first use)")),
    json
  }, (args) =>
    inRunner(
      ctx,
      () =>
        Effect.gen(function*() {
          if (Option.isNone(args.name) && Option.isNone(args.config) && Option.isNone(args.list)) {
            return yield* new InvalidInput({ option: "imports edit", detail: "nothing to change: give --name, --config or --list" })
          }
          const name = yield* Effect.transposeMapOption(args.name, (n) => nonEmpty("--name", n))
          const list = yield* Effect.transposeMapOption(args.list, (l) => nonEmpty("--list", l))
          const configPatch = yield* Effect.transposeMapOption(args.config, (c) => readJsonArgument("--config", c, ctx.invocation.cwd))
          return { name, configPatch, list }
        }),
      (changes) =>
        Effect.gen(function*() {
          const { criteriaChanged, imp } = yield* Imports.edit(args.id as Domain.ImportId, changes)
          yield* Output.result(args.json, yield* Views.importView(imp), renderImport)
          if (criteriaChanged) yield* Output.progress("the criteria changed: the next sync fetches every contact they match")
        })
    )).pipe(Command.withDescription("Change an import's name, settings or list"))
