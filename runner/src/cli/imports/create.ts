/** `autoimport imports create`. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Imports from "../../Imports.js"
import * as Output from "../../Output.js"
import * as Views from "../../Views.js"
import { renderImport } from "../render.js"
import { type CommandContext, inRunner, json, nonEmpty, readJsonArgument } from "../shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("create", {
    connector: Args.text({ name: "connector" }).pipe(Args.withDescription("connector id, e.g. google-contacts (see `autoimport connectors`)")),
    name: Options.text("name").pipe(Options.withDescription("a name for the import")),
    config: Options.text("config").pipe(Options.withDescription("the import's settings as JSON, or @file.json (credentials and criteria; see the connector's docs)")),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("the list contacts join (created on first use); default: the connector's name")),
    json
  }, (args) =>
    inRunner(
      ctx,
      (s) =>
        Effect.gen(function*() {
          const { connector } = yield* s.connectors.get(args.connector)
          const name = yield* nonEmpty("--name", args.name)
          const list = yield* nonEmpty("--list", Option.getOrElse(args.list, () => connector.name))
          const raw = yield* readJsonArgument("--config", args.config, ctx.invocation.cwd)
          const config = yield* Imports.validate(connector, "--config", raw)
          return { config, name, list }
        }),
      (input, s) =>
        Effect.gen(function*() {
          const imp = yield* Imports.create(input)
          yield* Output.result(args.json, yield* Views.importView(imp), renderImport)
          yield* Output.progress(
            `import ${imp.id} created. A running \`autoimport run\` syncs it within ${Duration.format(s.config.pollInterval)}; \`autoimport sync ${imp.id} --until-done\` syncs it now.`
          )
        })
    )).pipe(Command.withDescription("Set up an import of one external account into a list"))
