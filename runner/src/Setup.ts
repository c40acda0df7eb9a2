/**
 * Assembling the runner: `load` reads the configuration and loads the connectors without
 * writing anything (so bad input fails before a database file or key file exists); `layer`
 * then opens the store and builds the services a command needs.
 */
import { Http } from "@autoimport/connector-kit"
import { Connector, type Domain, Errors, RateLimiter, Store, SyncEngine } from "@autoimport/core"
import { SqlStore } from "@autoimport/store-sql"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Match from "effect/Match"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { hostname } from "node:os"
import * as Config from "./Config.js"
import * as CredentialsKey from "./CredentialsKey.js"
import * as Requests from "./internal/requests.js"
import * as PluginLoader from "./PluginLoader.js"
import * as Scheduler from "./Scheduler.js"

/** The CLI and the runner work on one account (docs/design.md §6, "one account per runner"). */
export const defaultAccountId = "default" as Domain.AccountId

export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  database: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot open the database ${this.database}: ${this.detail}`
  }
}

/** The configured SQLite file cannot be used (read-only, not a database, ...): fix the configuration or the file (exit code 2). */
export class DatabaseFileUnusable extends Schema.TaggedError<DatabaseFileUnusable>()("DatabaseFileUnusable", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

export class CredentialsKeyMissing extends Schema.TaggedError<CredentialsKeyMissing>()("CredentialsKeyMissing", {
  file: Schema.String,
  database: Schema.String
}) {
  override get message() {
    return `no credentials key was found (${this.file} does not exist and neither AUTOIMPORT_CREDENTIALS_KEY nor credentialsKey is set), but the database ${this.database} holds imports encrypted with one. Restore ${this.file} from your backup, or set AUTOIMPORT_CREDENTIALS_KEY to the key; no new key was created and nothing was changed`
  }
}

export interface SetupShape {
  readonly config: Config.RunnerConfig
  readonly connectors: Connector.Connectors["Type"]
  readonly cwd: string
}

/** Validated configuration and loaded connectors. Reads only. */
export const load = (
  options: Config.LoadOptions
): Effect.Effect<SetupShape, Config.ConfigError | PluginLoader.PluginError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const config = yield* Config.load(options)
    const loaded = yield* PluginLoader.loadAll(config.connectors, { cwd: options.cwd, baseDir: config.baseDir })
    return { config, connectors: Connector.Connectors.fromList(loaded), cwd: options.cwd }
  })

export const describeDatabase = (database: Config.Database): string =>
  database._tag === "Sqlite" ? database.filename : "(postgres URL)"

/**
 * Why the store did not open, as the runner reports it. Exhaustive over the store's open errors,
 * so a new way to fail is decided here instead of passing silently as an unreachable database.
 */
const openFailure = (database: string) =>
  Match.type<SqlStore.OpenError>().pipe(Match.tagsExhaustive({
    // The SQLite file itself cannot be used: the user's to fix, like bad input (exit code 2).
    DatabaseFileError: (e) => new DatabaseFileUnusable({ detail: e.message }),
    SqlError: (e) => new DatabaseUnavailable({ database, detail: e.message }),
    MigrationError: (e) => new DatabaseUnavailable({ database, detail: e.message }),
    // A key of the wrong length: the configuration already refuses one (internal/schemas.ts), so a backstop.
    InvalidConfig: (e) => new DatabaseUnavailable({ database, detail: e.message })
  }))

/** The store on the configured database, with the credentials key checked against stored imports. */
export const layerStore = (
  config: Config.RunnerConfig
): Layer.Layer<
  Store.Store,
  CredentialsKey.CredentialsKeyError | DatabaseUnavailable | Errors.CredentialsKeyMismatch | CredentialsKeyMissing | DatabaseFileUnusable,
  FileSystem.FileSystem | Path.Path
> =>
  Layer.unwrapEffect(
    Effect.map(CredentialsKey.resolve(config), (resolved) =>
      (config.database._tag === "Sqlite"
        ? SqlStore.layerSqlite({ filename: config.database.filename, credentialsKey: resolved.key })
        : SqlStore.layerPg({ url: config.database.url, credentialsKey: resolved.key })).pipe(
          Layer.mapError(openFailure(describeDatabase(config.database))),
          Layer.tap((context) => verifyKey(Context.get(context, Store.Store), resolved, describeDatabase(config.database)))
        ))
  ).pipe(Layer.map((context) => Context.make(Store.Store, Context.get(context, Store.Store))))

// The store dies when a config does not decrypt; catching that here turns a wrong key into a
// plain error at start, before anything could be written with the other key. A key generated
// just now can only fail that way when imports encrypted with a lost key exist: it is then
// never saved (a saved one would hide the loss until every command failed).
const verifyKey = (store: Store.StoreShape, resolved: CredentialsKey.Resolved, database: string) =>
  store.listImports().pipe(
    Effect.catchAllDefect((defect): Effect.Effect<never, Errors.CredentialsKeyMismatch | CredentialsKeyMissing> =>
      !(defect instanceof Errors.CredentialsKeyMismatch)
        ? Effect.die(defect)
        : Option.isSome(resolved.save)
        ? Effect.fail(new CredentialsKeyMissing({ file: Option.getOrElse(resolved.file, () => "the key file"), database }))
        : Effect.fail(defect)
    ),
    Effect.zipRight(Option.getOrElse(resolved.save, () => Effect.void)),
    Effect.zipRight(store.ensureAccount(defaultAccountId)),
    Effect.asVoid
  )

export const owner = `${hostname()}:${process.pid}`

/**
 * Everything a command uses: the configuration, the connectors, the store, the engine, one rate limiter for the process
 * and the scheduler. The HTTP client comes from the entry point.
 */
export const layer = (setup: SetupShape): Layer.Layer<
  Config.Config | Store.Store | Connector.Connectors | RateLimiter.RateLimiter | SyncEngine.SyncEngine | Scheduler.Scheduler,
  CredentialsKey.CredentialsKeyError | DatabaseUnavailable | Errors.CredentialsKeyMismatch | CredentialsKeyMissing | DatabaseFileUnusable,
  FileSystem.FileSystem | Path.Path | HttpClient.HttpClient
> => {
  const base = Layer.mergeAll(
    Layer.succeed(Config.Config, setup.config),
    Layer.succeed(Connector.Connectors, setup.connectors),
    RateLimiter.layer,
    layerStore(setup.config),
    // The engine hands its context to every pull: the connectors' clients read their limits there.
    Layer.succeed(Http.Limits, Requests.toLimits(setup.config.requests))
  )
  const engine = SyncEngine.SyncEngine.Default.pipe(Layer.provideMerge(base))
  return Scheduler.layer({
    interval: setup.config.interval,
    jitter: setup.config.jitter,
    pollInterval: setup.config.pollInterval,
    batchCap: setup.config.batchCap,
    concurrency: setup.config.concurrency,
    owner
  }).pipe(Layer.provideMerge(engine))
}
