/**
 * `autoimport demo`: a sandbox on the embedded default. It serves the connectors' fakes (each
 * package's `/fake` entry point, through the kit's `Sandbox` contract) on
 * loopback ports with seeded data (invalid and missing emails included), points the connector
 * settings at them, creates example imports, runs their first syncs with visible progress,
 * prints what to try next, then keeps the runner going (with a trickle of changes in the
 * fakes) until Ctrl-C.
 *
 * It lives in `.autoimport/demo/` under the working directory and starts clean each time: the
 * fakes are new processes' worth of state, so an old demo database would only hold positions
 * they no longer know. It never reads AUTOIMPORT_DATABASE_URL or other storage settings.
 */
import { isSandbox, type RunningSandbox, type Sandbox } from "@autoimport/connector-kit/testing"
import { type Connector, Store } from "@autoimport/core"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as nodePath from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { builtinConnectors, type ConnectorSpec } from "./Config.js"
import * as Http from "./Http.js"
import * as Imports from "./Imports.js"
import { isPath, resolvePackage } from "./internal/resolve.js"
import * as Output from "./Output.js"
import * as PluginLoader from "./PluginLoader.js"
import { Scheduler, syncUntilDone } from "./Scheduler.js"
import * as Setup from "./Setup.js"
import * as Views from "./Views.js"

const runnerDir = nodePath.dirname(fileURLToPath(import.meta.url))

/** One connector's sandbox: where its package is, and what its `/fake` entry exports. */
export interface Found {
  readonly spec: ConnectorSpec
  readonly connector: Connector.AnyConnector
  readonly sandbox: Sandbox
}

interface Started extends Found {
  readonly running: RunningSandbox
}

/**
 * The sandbox of each connector the runner loads by default (Config.ts `builtinConnectors`):
 * `<package>/fake` exports `sandbox` (the contract of @autoimport/connector-kit/testing), found
 * the way the connector itself was. A connector without one is left out of the demo, with a note.
 */
export const findSandboxes = (specs: ReadonlyArray<ConnectorSpec>, cwd: string) =>
  Effect.gen(function*() {
    const loaded = yield* PluginLoader.loadAll(specs, { cwd, baseDir: cwd })
    const found: Array<Found> = []
    for (const [i, { connector }] of loaded.entries()) {
      const spec = specs[i]!
      const sandbox = yield* importSandbox(spec.specifier, cwd)
      if (sandbox === undefined) {
        yield* Output.progress(`${connector.id}: no sandbox (its package has no /fake entry point exporting \`sandbox\`); left out of the demo`)
      } else {
        found.push({ spec, connector, sandbox })
      }
    }
    return found
  })

const importSandbox = (specifier: string, cwd: string): Effect.Effect<Sandbox | undefined> =>
  isPath(specifier)
    ? Effect.succeed(undefined)
    : Effect.suspend(() => {
      const resolved = resolvePackage(`${specifier}/fake`, cwd) ?? resolvePackage(`${specifier}/fake`, runnerDir)
      return resolved === undefined
        ? Effect.succeed(undefined)
        : Effect.map(
          Effect.promise(() => import(pathToFileURL(resolved.file).href) as Promise<Record<string, unknown>>),
          (module) => (isSandbox(module.sandbox) ? module.sandbox : undefined)
        )
    }).pipe(
      // A /fake entry that cannot be resolved or loaded leaves the connector out, like one without a /fake entry.
      Effect.catchAllDefect(() => Effect.succeed(undefined))
    )

export interface DemoOptions {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** How the user runs this program (`node runner/dist/bin.js`), for the hints. */
  readonly command: string
  readonly exitAfterSync: boolean
}

/** The only variables the demo takes from the environment: where its admin HTTP listens. */
const demoVariables = ["AUTOIMPORT_HTTP_HOST", "AUTOIMPORT_HTTP_PORT", "AUTOIMPORT_ADMIN_TOKEN"]

export const run = (options: DemoOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dataDir = path.join(options.cwd, ".autoimport", "demo")
    yield* fs.remove(dataDir, { recursive: true, force: true }).pipe(Effect.orDie)
    yield* fs.makeDirectory(dataDir, { recursive: true, mode: 0o700 }).pipe(Effect.orDie)
    yield* Output.progress(`autoimport demo — a sandbox in ${path.relative(options.cwd, dataDir)}/ (started clean)`)

    const found = yield* findSandboxes(builtinConnectors.map((specifier) => ({ specifier, settings: undefined, where: "built-in connectors" })), options.cwd)
    const started: ReadonlyArray<Started> = yield* Effect.forEach(found, (f) => Effect.map(f.sandbox(), (running) => ({ ...f, running })))
    const configFile = path.join(dataDir, "autoimport.config.json")
    yield* fs.writeFileString(configFile, JSON.stringify({
      connectors: started.map(({ running, spec }) => ({ package: spec.specifier, settings: running.settings })),
      dataDir: ".",
      interval: "1m",
      jitter: "5s",
      pollInterval: "2s"
    }, null, 2) + "\n").pipe(Effect.orDie)
    yield* Output.progress(`fake services: ${started.map(({ connector, running }) => `${connector.id} at ${running.url}`).join(", ")}`)

    const env = Object.fromEntries(demoVariables.flatMap((name) => (options.env[name] === undefined ? [] : [[name, options.env[name]]])))
    const setup = yield* Setup.load({ cwd: options.cwd, configPath: Option.some(configFile), env })

    yield* Effect.gen(function*() {
      const scheduler = yield* Scheduler
      const created = []
      for (const { running, ...found } of started) {
        const { connector } = yield* setup.connectors.get(found.connector.id)
        const config = yield* Imports.validate(connector, `the ${connector.name} sandbox's import config`, running.config())
        const imp = yield* Imports.create({ config, name: `${connector.name} (sandbox)`, list: connector.name })
        created.push(imp)
        yield* Output.progress(`created import ${imp.id} "${imp.name}" → list "${connector.name}"`)
      }
      for (const imp of created) {
        yield* Output.progress(`syncing import ${imp.id} "${imp.name}" (batches of ${setup.config.batchCap}):`)
        const { reports } = yield* syncUntilDone(scheduler, imp.id, (report, batch, total) =>
          Output.progress(
            `  batch ${batch}: fetched ${report.run.counts.fetched} (${total.fetched} in all) — added ${total.added}, updated ${total.updated}, unchanged ${total.unchanged}, skipped ${total.skipped}`
          ))
        const last = reports[reports.length - 1]!.run
        yield* Output.progress(`  ${last.outcome === "caught-up" ? "caught up" : `stopped: ${last.outcome}${last.message ? ` (${last.message})` : ""}`}`)
      }
      yield* summary(options, setup, configFile, created.map((i) => i.id))
      if (options.exitAfterSync) return
      yield* Output.progress("\nthe runner keeps syncing every minute, with a few changes in the fake services in between; Ctrl-C stops it")
      const trickle = Effect.forEach(started, ({ connector, running }) =>
        Effect.suspend(() => {
          const { added, edited } = running.change()
          return Output.progress(`[sandbox] ${connector.id}: ${added} records added, ${edited} edited`)
        })).pipe(
        Effect.delay("25 seconds"),
        Effect.forever
      )
      const http = Layer.launch(Http.layer).pipe(
        Effect.catchAll((e) => Effect.logWarning(`admin HTTP not started: ${e.message}`))
      )
      // From here on the scheduler's own log lines show each sync.
      yield* Effect.all([scheduler.run, http, trickle], { concurrency: "unbounded", discard: true }).pipe(
        Logger.withMinimumLogLevel(LogLevel.Info)
      )
    }).pipe(Effect.provide(Setup.layer(setup)))
  }))

const summary = (options: DemoOptions, setup: Setup.SetupShape, configFile: string, importIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const path = yield* Path.Path
    const account = yield* Views.account
    const fields = yield* Views.fields
    const histories = yield* Effect.forEach(importIds, (id) => Views.runs(id, { limit: 100, skips: true }))
    const skips = histories.flatMap((h) => h.runs).flatMap((r) => r.skips ?? [])
    const invalid = skips.find((s) => s.reason === "InvalidEmail" && s.email !== null)
    const lists = yield* store.listLists(Setup.defaultAccountId)
    const cli = `${options.command} --config ${path.relative(options.cwd, configFile)}`
    const byReason = new Map<string, number>()
    for (const s of skips) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1)
    yield* Output.progress([
      "",
      `done: ${account.contactCount} contacts in ${lists.length} lists; ${fields.length} custom fields created, e.g. ${fields.slice(0, 3).map((f) => `%${f.tag}%`).join(", ")}`,
      `skipped source records: ${[...byReason].map(([reason, n]) => `${n} ${reason}`).join(", ") || "none"}`,
      "",
      "try next (in another terminal while the demo runs):",
      `  ${cli} imports list`,
      `  ${cli} contacts --list '${lists[0]?.name ?? ""}' --limit 20`,
      `  ${cli} fields`,
      `  ${cli} runs ${importIds[0] ?? 1} --skips`,
      ...(invalid ? [`  ${cli} contacts --email '${invalid.email}'     # why is this one not here?`] : []),
      `  ${cli} sync ${importIds[0] ?? 1}`,
      `  open http://${setup.config.http.host}:${setup.config.http.port}/ (the setup page); curl …/metrics, …/api/imports, …/api/contacts?limit=5`
    ].join("\n"))
  })
