/**
 * The `autoimport` command (@effect/cli). Every command validates its input and the
 * configuration before it opens the database, prints results on stdout (JSON with `--json`) and
 * progress on stderr, and ends with exit code 0 (success), 1 (failure) or 2 (bad usage or
 * input).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { createRequire } from "node:module"
import * as Account from "./cli/account.js"
import * as Connectors from "./cli/connectors.js"
import * as Contacts from "./cli/contacts.js"
import * as Demo from "./cli/demo.js"
import * as Fields from "./cli/fields.js"
import * as Create from "./cli/imports/create.js"
import * as Delete from "./cli/imports/delete.js"
import * as Edit from "./cli/imports/edit.js"
import * as List from "./cli/imports/list.js"
import * as Show from "./cli/imports/show.js"
import * as Lists from "./cli/lists.js"
import { textLogger } from "./cli/logs.js"
import * as Run from "./cli/run.js"
import type { Invocation } from "./cli/shared.js"
import * as Runs from "./cli/runs.js"
import * as Sync from "./cli/sync.js"
import { type ExitCode, exitCodeOf } from "./ExitCode.js"
import * as Help from "./internal/help.js"
import * as Output from "./Output.js"
import * as Setup from "./Setup.js"

export { InvalidInput, SyncFailed, SyncStopped } from "./cli/errors.js"
export { jsonLogs, textLogger } from "./cli/logs.js"
export { serve } from "./cli/run.js"
export type { Invocation } from "./cli/shared.js"

export const version: string = createRequire(import.meta.url)("../package.json").version

/** Assembles the commands (one module each under runner/src/cli/). */
export const make = (invocation: Invocation) => {
  const root = Command.make("autoimport", {
    config: Options.text("config").pipe(
      Options.optional,
      Options.withDescription("configuration file (JSON or YAML); default: $AUTOIMPORT_CONFIG, else autoimport.config.{json,yaml} in the working directory")
    )
  }).pipe(Command.withDescription("Keeps a contact database in sync with the apps where people keep their contacts."))

  const ctx = {
    invocation,
    setup: Effect.flatMap(root, ({ config }) => Setup.load({ cwd: invocation.cwd, configPath: config, env: invocation.env }))
  }

  const imports = Command.make("imports").pipe(
    Command.withDescription("Create, list, show, edit and delete imports"),
    Command.withSubcommands([Create.make(ctx), List.make(ctx), Show.make(ctx), Edit.make(ctx), Delete.make(ctx)])
  )

  return root.pipe(
    Command.withSubcommands([
      Connectors.make(ctx),
      imports,
      Sync.make(ctx),
      Runs.make(ctx),
      Contacts.make(ctx),
      Fields.make(ctx),
      Lists.make(ctx),
      Account.make(ctx),
      Run.make(ctx),
      Demo.make(ctx)
    ])
  )
}

const defectLine = (defect: unknown): string =>
  (defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)).split("\n")[0]!

/**
 * Runs the command line and returns the exit code; errors are printed on stderr. (@effect/cli
 * has already printed usage errors with the help text.)
 */
export const run = (invocation: Invocation, argv: ReadonlyArray<string>) =>
  Command.run(make(invocation), { name: "autoimport", version })(argv).pipe(
    (program) => (Help.isHelpRequest(argv.slice(2)) ? Help.filtered(program) : program),
    Effect.as(0 as ExitCode),
    Effect.catchAll((error) =>
      ValidationError.isValidationError(error)
        ? Effect.succeed(2 as const)
        : Effect.as(Console.error(`error: ${Output.escapeKeepingLines(error.message)}`), exitCodeOf(error))
    ),
    // One plain line, never a stack trace: every expected problem has its own error above.
    Effect.catchAllDefect((defect) =>
      Effect.as(Console.error(`internal error: ${Output.escapeKeepingLines(defectLine(defect))}`), 1 as const)
    ),
    Effect.provide(Logger.replace(Logger.defaultLogger, textLogger)),
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )

