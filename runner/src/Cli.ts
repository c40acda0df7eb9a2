/**
 * The `autoimport` command (@effect/cli). Every command validates its input and the
 * configuration before it opens the database, prints results on stdout (JSON with `--json`) and
 * progress on stderr, and ends with exit code 0 (success), 1 (failure) or 2 (bad usage or
 * input).
 */
import { type Domain, Email, Store } from "@autoimport/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import { type ExitCode, exitCodeOf } from "./ExitCode.js"
import * as Http from "./Http.js"
import * as Imports from "./Imports.js"
import * as Help from "./internal/help.js"
import { maxDepth, PositiveInt, tooDeep } from "./internal/schemas.js"
import * as Limits from "./Limits.js"
import * as Output from "./Output.js"
import { maxConfirmingPasses, Scheduler, syncUntilDone } from "./Scheduler.js"
import * as Setup from "./Setup.js"
import * as Views from "./Views.js"

export const version: string = createRequire(import.meta.url)("../package.json").version

/** Input a command cannot use (exit code 2). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  option: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.option}: ${this.detail}`
  }
}

/** A sync ran but ended in a state that needs someone (exit code 1). */
export class SyncFailed extends Schema.TaggedError<SyncFailed>()("SyncFailed", {
  importId: Schema.String,
  outcome: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the sync of import ${this.importId} ended as ${this.outcome}: ${this.detail}`
  }
}

/**
 * A sync ran but stopped early for a reason that passes by itself — a rate limit, the service
 * unavailable, the contact limit (exit code 3): nothing is wrong with the import, the next run
 * continues where this one stopped, but a script learns that the work is not done.
 */
export class SyncStopped extends Schema.TaggedError<SyncStopped>()("SyncStopped", {
  importId: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the sync of import ${this.importId} stopped and will be retried: ${this.detail}`
  }
}

export interface Invocation {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** How the user ran this program (for hints), e.g. `node runner/dist/bin.js`. */
  readonly command: string
}

const json = Options.boolean("json").pipe(Options.withDescription("print JSON on stdout instead of a table (for scripts)"))

const importId = Args.text({ name: "import-id" }).pipe(Args.withDescription("the import's id (see `autoimport imports list`)"))

const limit = (fallback: number) =>
  Options.integer("limit").pipe(
    Options.withSchema(PositiveInt),
    Options.withDefault(fallback),
    Options.withDescription(`show at most this many (default ${fallback})`)
  )

/** `--config` of an import: inline JSON, or `@file` with JSON in it. */
const readJsonArgument = (option: string, text: string, cwd: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const source = text.startsWith("@")
      ? yield* fs.readFileString(path.resolve(cwd, text.slice(1))).pipe(
        Effect.mapError((e) => new InvalidInput({ option, detail: `cannot read ${text.slice(1)}: ${e.message}` }))
      )
      : text
    const parsed = yield* Effect.try({
      try: () => JSON.parse(source) as unknown,
      catch: (e) => new InvalidInput({ option, detail: `not valid JSON: ${(e as Error).message}` })
    })
    // Before anything recursive (the merge patch of `imports edit`) walks it.
    if (tooDeep(parsed)) return yield* new InvalidInput({ option, detail: `nested deeper than ${maxDepth} levels` })
    return parsed
  })

/** An import or list name: trimmed, not empty, within the documented length (Limits.ts). */
const nonEmpty = (option: string, value: string) =>
  Effect.mapError(Limits.decodeLabel(value), (detail) => new InvalidInput({ option, detail }))


// ---- rendering ----------------------------------------------------------------------------

const renderImports = (imports: ReadonlyArray<Views.ImportView>) =>
  Output.table(
    ["id", "name", "connector", "lists", "status", "last run", "next run"],
    imports.map((i) => [i.id, i.name, i.connector, i.lists.join(", "), i.deletedAt === null ? i.status : "deleted", Output.when(dateOf(i.lastRunAt)), i.deletedAt === null ? Output.when(dateOf(i.nextRunAt)) : null]),
    "(no imports yet: create one with `autoimport imports create <connector> --name <name> --config <json>`)"
  )

const renderImport = (i: Views.ImportView) =>
  Output.details([
    ["id", i.id],
    ["name", i.name],
    ["connector", i.connector],
    ["lists", i.lists.join(", ")],
    ["status", i.statusReason ? `${i.status} (${i.statusReason})` : i.status],
    ["waiting for room", `${i.deferred} new contact(s) (contact limit)`],
    ["config", i.config === null ? `(${i.configNote})` : JSON.stringify(i.config)],
    ["last run", Output.when(dateOf(i.lastRunAt))],
    ["next run", i.nextRunAt === null ? "as soon as a runner sees it" : Output.when(dateOf(i.nextRunAt))],
    ["created", Output.when(dateOf(i.createdAt))]
  ])

const renderHistory = (history: Views.RunHistory) => {
  const runs = renderRuns(history.runs)
  return history.deletedAt === null ? runs : `${deletedNote(history)}\n\n${runs}`
}

const deletedNote = (history: Views.RunHistory) =>
  `import ${history.importId} ("${history.importName}") was deleted ${Output.when(dateOf(history.deletedAt))}; its runs and skips stay`

const renderRuns = (runs: ReadonlyArray<Views.RunView>) => {
  const rows = Output.table(
    ["run", "started", "outcome", "fetched", "added", "updated", "unchanged", "skipped", "deferred", "why it stopped"],
    runs.map((r) => [
      r.id,
      Output.when(dateOf(r.startedAt)),
      r.resynced ? `${r.outcome} (full resync)` : r.outcome,
      r.fetched,
      r.added,
      r.updated,
      r.unchanged,
      r.skipped,
      r.deferred,
      r.message ?? (r.outcome === "caught-up" ? "caught up with the source" : null)
    ]),
    "(no runs yet)"
  )
  const skips = runs.flatMap((r) => (r.skips ?? []).map((s) => [r.id, s.externalId, s.reason, s.email, s.detail]))
  return runs.some((r) => r.skips !== undefined)
    ? `${rows}\n\nSkipped records:\n${Output.table(["run", "source id", "reason", "email", "detail"], skips)}`
    : rows
}

const renderRunLine = (r: Views.RunView) =>
  `run ${r.id}: ${r.outcome} — fetched ${r.fetched}, added ${r.added}, updated ${r.updated}, unchanged ${r.unchanged}, skipped ${r.skipped}${r.deferred ? `, deferred ${r.deferred}` : ""}${r.message ? ` — ${Output.escape(r.message)}` : ""}`

const renderContacts = (view: Views.ContactsView) => {
  const contacts = Output.table(
    ["email", "name", "phone", "lists", "fields"],
    view.contacts.map((c) => [
      c.email,
      [c.firstName, c.lastName].filter(Boolean).join(" "),
      c.phone,
      c.lists.map((l) => (l.status === "active" ? l.name : `${l.name} (${l.status})`)).join(", "),
      Object.entries(c.fields).map(([tag, value]) => `%${tag}%=${value}`).join(" ")
    ]),
    "(no contacts found)"
  )
  const more = view.total > view.contacts.length
    ? `\n\nshowing ${view.contacts.length} of ${view.total} contacts; \`--limit ${view.total}\` shows them all`
    : ""
  return view.skipped.length === 0
    ? contacts + more
    : `${contacts}${more}\n\nSkipped source records with this email (why a contact may be missing):\n${
      Output.table(["when", "import", "run", "source id", "reason", "detail"], view.skipped.map((s) => [Output.when(dateOf(s.at)), s.importId, s.runId, s.externalId, s.reason, s.detail]))
    }`
}

const renderConnectors = (connectors: ReadonlyArray<Views.ConnectorView>) =>
  connectors.length === 0
    ? "(no connectors loaded)"
    : connectors.map((c) =>
      [
        Output.escape(`${c.name} (${c.id} ${c.version}) — ${c.imports} import${c.imports === 1 ? "" : "s"} set up`),
        `  deletions: ${Output.escape(c.deletions)}`,
        Output.table(["field", "custom field", "personalization tag"], c.fields.map((f) => [f.label, f.title, `%${f.tag}%`]))
          .split("\n").map((line) => `  ${line}`).join("\n")
      ].join("\n")
    ).join("\n\n")

const dateOf = (iso: string | null) => (iso === null ? null : new Date(iso))

// ---- commands -----------------------------------------------------------------------------

export const make = (invocation: Invocation) => {
  const root = Command.make("autoimport", {
    config: Options.text("config").pipe(
      Options.optional,
      Options.withDescription("configuration file (JSON or YAML); default: $AUTOIMPORT_CONFIG, else autoimport.config.{json,yaml} in the working directory")
    )
  }).pipe(Command.withDescription("Keeps a contact database in sync with the apps where people keep their contacts."))

  /** Reads the configuration and loads the connectors: nothing is written yet. */
  const setup = Effect.flatMap(root, ({ config }) => Setup.load({ cwd: invocation.cwd, configPath: config, env: invocation.env }))

  /** Opens the database (created on first use) and provides the runner's services. */
  const withServices = (s: Setup.SetupShape) => Effect.provide(Setup.layer(s))

  /** A read-only command: loads the setup, reads one view, prints it. */
  const show = <A, E, R>(asJson: boolean, view: Effect.Effect<A, E, R>, render: (a: A) => string) =>
    Effect.flatMap(setup, (s) => Effect.flatMap(view, (v) => Output.result(asJson, v, render)).pipe(withServices(s)))

  const connectors = Command.make("connectors", { json }, ({ json }) => show(json, Views.connectors, renderConnectors)).pipe(Command.withDescription("List the loaded connectors, the fields and personalization tags they create, and how many imports each has"))

  const create = Command.make("create", {
    connector: Args.text({ name: "connector" }).pipe(Args.withDescription("connector id, e.g. google-contacts (see `autoimport connectors`)")),
    name: Options.text("name").pipe(Options.withDescription("a name for the import")),
    config: Options.text("config").pipe(Options.withDescription("the import's settings as JSON, or @file.json (credentials and criteria; see the connector's docs)")),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("the list contacts join (created on first use); default: the connector's name")),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* setup
      const { connector } = yield* s.connectors.get(args.connector)
      const name = yield* nonEmpty("--name", args.name)
      const listName = yield* nonEmpty("--list", Option.getOrElse(args.list, () => connector.name))
      const raw = yield* readJsonArgument("--config", args.config, invocation.cwd)
      const config = yield* Imports.validate(connector, "--config", raw)
      yield* Effect.gen(function*() {
        const imp = yield* Imports.create({ config, name, list: listName })
        yield* Output.result(args.json, yield* Views.importView(imp), renderImport)
        yield* Output.progress(
          `import ${imp.id} created. A running \`autoimport run\` syncs it within ${Duration.format(s.config.pollInterval)}; \`autoimport sync ${imp.id} --until-done\` syncs it now.`
        )
      }).pipe(withServices(s))
    })).pipe(Command.withDescription("Set up an import of one external account into a list"))

  const list = Command.make("list", {
    all: Options.boolean("all").pipe(Options.withDescription("also list deleted imports (their run history stays: `autoimport runs <id>`)")),
    json
  }, ({ all, json }) => show(json, Views.imports({ includeDeleted: all }), renderImports)).pipe(Command.withDescription("List the imports"))

  const showImport = Command.make("show", { id: importId, json }, ({ id, json }) => show(json, Views.importById(id), renderImport)).pipe(Command.withDescription("Show one import: its settings (secrets masked), status and schedule"))

  const edit = Command.make("edit", {
    id: importId,
    name: Options.text("name").pipe(Options.optional, Options.withDescription("a new name")),
    config: Options.text("config").pipe(
      Options.optional,
      Options.withDescription("changes to the settings as a JSON merge patch (or @file): keys given replace, null removes")
    ),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("move future syncs to this list (created on first use)")),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* setup
      if (Option.isNone(args.name) && Option.isNone(args.config) && Option.isNone(args.list)) {
        return yield* new InvalidInput({ option: "imports edit", detail: "nothing to change: give --name, --config or --list" })
      }
      const name = yield* Effect.transposeMapOption(args.name, (n) => nonEmpty("--name", n))
      const listName = yield* Effect.transposeMapOption(args.list, (l) => nonEmpty("--list", l))
      const configPatch = yield* Effect.transposeMapOption(args.config, (c) => readJsonArgument("--config", c, invocation.cwd))
      yield* Effect.gen(function*() {
        const { criteriaChanged, imp } = yield* Imports.edit(args.id as Domain.ImportId, { name, configPatch, list: listName })
        yield* Output.result(args.json, yield* Views.importView(imp), renderImport)
        if (criteriaChanged) yield* Output.progress("the criteria changed: the next sync fetches every contact they match")
      }).pipe(withServices(s))
    })).pipe(Command.withDescription("Change an import's name, settings or list"))

  const remove = Command.make("delete", { id: importId, json }, ({ id, json }) =>
    Effect.gen(function*() {
      const s = yield* setup
      yield* Effect.gen(function*() {
        const store = yield* Store.Store
        yield* store.deleteImport(id as Domain.ImportId)
        yield* Output.result(json, { id, deleted: true }, () => `import ${id} deleted; the contacts it brought in stay`)
      }).pipe(withServices(s))
    })).pipe(Command.withDescription("Delete an import: it stops syncing; the contacts it brought in stay"))

  const imports = Command.make("imports").pipe(
    Command.withDescription("Create, list, show, edit and delete imports"),
    Command.withSubcommands([create, list, showImport, edit, remove])
  )

  const sync = Command.make("sync", {
    id: importId,
    untilDone: Options.boolean("until-done").pipe(Options.withDescription("run batches back to back until the import has caught up")),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* setup
      yield* Effect.gen(function*() {
        const scheduler = yield* Scheduler
        const done = args.untilDone
          ? yield* syncUntilDone(scheduler, args.id as Domain.ImportId, (report, batch, total) =>
            Output.progress(
              `batch ${batch}: ${report.run.outcome}, fetched ${report.run.counts.fetched} (${total.fetched} in all), added ${total.added}, updated ${total.updated}, skipped ${total.skipped}`
            ))
          : { reports: [yield* scheduler.syncNow(args.id as Domain.ImportId)], settled: true }
        const reports = done.reports
        if (!done.settled) {
          yield* Output.progress(
            `the source kept changing while it was synced (${maxConfirmingPasses} more passes still found changes): changes may be pending; the next sync picks them up`
          )
        }
        const views = reports.map((r) => Views.runView(r.run))
        yield* Output.result(args.json, args.untilDone ? views : views[0], (v) => (Array.isArray(v) ? v : [v]).map(renderRunLine).join("\n"))
        const last = reports[reports.length - 1]!.run
        // interrupted: this sync lost its lease to another one or its import was deleted.
        if (last.outcome === "failed" || last.outcome === "needs-attention" || last.outcome === "interrupted") {
          return yield* new SyncFailed({ importId: args.id, outcome: last.outcome, detail: last.message ?? "see `autoimport runs`" })
        }
        if (last.outcome === "stopped") {
          return yield* new SyncStopped({ importId: args.id, detail: last.message ?? "see `autoimport runs`" })
        }
      }).pipe(withServices(s))
    })).pipe(Command.withDescription("Sync one import now: one batch, or with --until-done until it has caught up"))

  const runs = Command.make("runs", {
    id: importId,
    skips: Options.boolean("skips").pipe(Options.withDescription("also list each skipped source record and why")),
    limit: limit(20),
    json
  }, (args) =>
    Effect.flatMap(setup, (s) =>
      Effect.gen(function*() {
        const history = yield* Views.runs(args.id, { limit: args.limit, skips: args.skips })
        if (!args.json) return yield* Output.result(false, history, renderHistory)
        // JSON stays the list of runs; the deletion is said on stderr there.
        if (history.deletedAt !== null) yield* Output.progress(deletedNote(history))
        yield* Output.result(true, history.runs, renderRuns)
      }).pipe(withServices(s)))).pipe(Command.withDescription("An import's run history, newest first: what each run fetched, added, updated, left unchanged and skipped, and why it stopped"))

  const unsubscribe = Command.make("unsubscribe", {
    email: Args.text({ name: "email" }).pipe(Args.withDescription("the contact's email address (any case; it is normalized)")),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("only this list (default: every list)")),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* setup
      const email = yield* Either.match(Email.normalize(args.email), { onLeft: Effect.fail, onRight: Effect.succeed })
      yield* Effect.gen(function*() {
        const store = yield* Store.Store
        const listId = yield* Effect.transposeMapOption(args.list, Views.listIdByName)
        const changed = yield* store.unsubscribe(Setup.defaultAccountId, email, Option.getOrUndefined(listId))
        yield* Output.result(args.json, { email, unsubscribed: changed }, () =>
          changed
            ? `${email} is unsubscribed${Option.isSome(args.list) ? ` from ${Output.escape(args.list.value)}` : ""}; imports never set it back to active`
            : `${email} has no active membership to change`)
      }).pipe(withServices(s))
    })).pipe(Command.withDescription("Unsubscribe a contact from one list or from all of them"))

  const contacts = Command.make("contacts", {
    email: Options.text("email").pipe(Options.optional, Options.withDescription("only this email (also shows skipped source records with it)")),
    list: Options.text("list").pipe(Options.optional, Options.withDescription("only members of this list")),
    limit: limit(100),
    json
  }, (args) =>
    show(
      args.json,
      Views.contacts({ email: Option.getOrUndefined(args.email), list: Option.getOrUndefined(args.list), limit: args.limit }),
      renderContacts
    )).pipe(
      Command.withDescription("List contacts with their custom field values (by personalization tag) and list memberships"),
      Command.withSubcommands([unsubscribe])
    )

  const fields = Command.make("fields", { json }, ({ json }) =>
    show(json, Views.fields, (fs) =>
      Output.table(
        ["title", "personalization tag", "connector", "type"],
        fs.map((f) => [f.title, `%${f.tag}%`, f.connector, f.type]),
        "(no custom fields yet: they are created by the first sync of an import)"
      ))).pipe(Command.withDescription("List the account's custom fields and their personalization tags"))

  const lists = Command.make("lists", { json }, ({ json }) =>
    show(json, Views.lists, (ls) => Output.table(["id", "name"], ls.map((l) => [l.id, l.name])))).pipe(Command.withDescription("List the account's lists"))

  const account = Command.make("account", {
    contactLimit: Options.text("contact-limit").pipe(
      Options.optional,
      Options.withDescription("set the contact limit: a number, or `none` for no limit")
    ),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* setup
      const limitValue = yield* Effect.transposeMapOption(args.contactLimit, parseContactLimit)
      yield* Effect.gen(function*() {
        const store = yield* Store.Store
        if (Option.isSome(limitValue)) yield* store.setContactLimit(Setup.defaultAccountId, limitValue.value)
        yield* Effect.flatMap(Views.account, (a) =>
          Output.result(args.json, a, (v) =>
            Output.details([["account", v.id], ["contacts", v.contactCount], ["contact limit", v.contactLimit ?? "none"], ["waiting for room", `${v.deferredCount} new contact(s)`]])))
      }).pipe(withServices(s))
    })).pipe(Command.withDescription("Show the account, or change its contact limit"))

  const run = Command.make("run", {
    once: Options.boolean("once").pipe(Options.withDescription("sync every due import once, then exit")),
    json
  }, (args) =>
    Effect.gen(function*() {
      const s = yield* setup
      if (args.once) {
        yield* Effect.gen(function*() {
          const reports = yield* Effect.flatMap(Scheduler, (scheduler) => scheduler.runDue)
          const views = reports.map((r) => Views.runView(r.run))
          yield* Output.result(args.json, views, (v) => (v.length === 0 ? "no import was due" : v.map(renderRunLine).join("\n")))
          const failed = views.filter((v) => v.outcome === "failed" || v.outcome === "needs-attention")
          if (failed.length > 0) {
            return yield* new SyncFailed({
              importId: failed.map((f) => f.importId).join(", "),
              outcome: failed[0]!.outcome,
              detail: failed[0]!.message ?? "see `autoimport runs`"
            })
          }
          const stopped = views.filter((v) => v.outcome === "stopped")
          if (stopped.length > 0) {
            return yield* new SyncStopped({
              importId: stopped.map((v) => v.importId).join(", "),
              detail: stopped[0]!.message ?? "see `autoimport runs`"
            })
          }
        }).pipe(withServices(s))
      } else {
        yield* serve.pipe(withServices(s), Effect.provide(jsonLogs), Logger.withMinimumLogLevel(LogLevel.Info))
      }
    })).pipe(Command.withDescription("Run the runner: the scheduler, /healthz, /readyz, /metrics and the admin API, until SIGTERM or SIGINT"))

  const demo = Command.make("demo", {
    exitAfterSync: Options.boolean("exit-after-sync").pipe(Options.withDescription("exit once the first syncs are done (for tests and CI)"))
  }, (args) =>
    // Loaded on demand: the fakes (and msw) are for the demo only, not every command's start-up.
    Effect.flatMap(Effect.promise(() => import("./Demo.js")), (Demo) => Demo.run({ ...invocation, exitAfterSync: args.exitAfterSync }))).pipe(Command.withDescription("Start a sandbox: fake services with seeded data, example imports and their first syncs, then the runner until Ctrl-C"))

  return root.pipe(
    Command.withSubcommands([connectors, imports, sync, runs, contacts, fields, lists, account, run, demo])
  )
}

const parseContactLimit = (text: string) => {
  if (/^(none|unlimited)$/i.test(text.trim())) return Effect.succeed(null)
  const n = Number(text)
  return Number.isSafeInteger(n) && n >= 0
    ? Effect.succeed(n)
    : Effect.fail(new InvalidInput({ option: "--contact-limit", detail: `expected a whole number ≥ 0 or "none", got ${JSON.stringify(text)}` }))
}

const defectLine = (defect: unknown): string =>
  (defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)).split("\n")[0]!

/** The long-lived process: scheduler and HTTP side by side until interrupted (SIGTERM/SIGINT). */
export const serve = Effect.gen(function*() {
  const scheduler = yield* Scheduler
  yield* Effect.logInfo("runner starting")
  return yield* Effect.all([scheduler.run, Layer.launch(Http.layer)], { concurrency: "unbounded", discard: true })
}).pipe(Effect.onInterrupt(() => Effect.logInfo("runner stopped: syncs in flight finished their current page")))

/** Logs go to stderr, so stdout carries only results. People get logfmt lines... */
export const textLogger = Logger.withConsoleError(Logger.logfmtLogger)
/** ...and the long-running process one JSON object per line, for log collectors. */
export const jsonLogs = Logger.replace(textLogger, Logger.withConsoleError(Logger.jsonLogger))

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

